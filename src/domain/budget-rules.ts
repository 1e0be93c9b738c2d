import { invalidField } from "./commander-error.js";
import type { CommanderState } from "./commander-state.js";
import type { DomainContext } from "./domain-context.js";
import { raiseEvent } from "./event-rules.js";
import { getProject, pauseProject, resumeProject } from "./project-rules.js";
import { tokenTotal } from "./price-table.js";
import type { BudgetRecord, EventRecord, WorkUsageRecord } from "./records.js";

export type BudgetLimit = "daily_usd" | "total_usd" | "daily_tokens" | "total_tokens";

export interface Spending {
  totalUsd: number;
  todayUsd: number;
  totalTokens: number;
  todayTokens: number;
}

export interface BudgetExceeded {
  limit: BudgetLimit;
  limitValue: number;
  spent: number;
}

const FIELDS: Record<BudgetLimit, { budget: keyof BudgetRecord; spent: keyof Spending; usd: boolean }> = {
  daily_usd: { budget: "dailyUsd", spent: "todayUsd", usd: true },
  total_usd: { budget: "totalUsd", spent: "totalUsd", usd: true },
  daily_tokens: { budget: "dailyTokens", spent: "todayTokens", usd: false },
  total_tokens: { budget: "totalTokens", spent: "totalTokens", usd: false },
};

/** The first limit the spending reached (a limit is reached when the spending is at or above it). */
export function budgetExceeded(budget: BudgetRecord | undefined, spending: Spending): BudgetExceeded | null {
  if (!budget) return null;
  for (const [limit, field] of Object.entries(FIELDS) as Array<[BudgetLimit, (typeof FIELDS)[BudgetLimit]]>) {
    const limitValue = budget[field.budget];
    if (limitValue !== null && spending[field.spent] >= limitValue) return { limit, limitValue, spent: spending[field.spent] };
  }
  return null;
}

export function describeExceeded(exceeded: BudgetExceeded): string {
  const usd = FIELDS[exceeded.limit].usd;
  const show = (value: number) => (usd ? `$${value.toFixed(4).replace(/0+$/, "").replace(/\.$/, "")}` : `${value} tokens`);
  const scope = exceeded.limit.startsWith("daily") ? "today (UTC)" : "in total";
  return `budget ${exceeded.limit} of ${show(exceeded.limitValue)} reached: ${show(exceeded.spent)} spent ${scope}`;
}

/**
 * What the project spent: every item's recorded usage, with `running` (the turn in progress, measured so
 * far) in place of what its item recorded before. Today is the UTC day of `now`.
 */
export function projectSpending(state: CommanderState, projectId: string, now: string, running: { workId: string; usage: WorkUsageRecord } | null): Spending {
  const today = now.slice(0, 10);
  const spending: Spending = { totalUsd: 0, todayUsd: 0, totalTokens: 0, todayTokens: 0 };
  const add = (usage: WorkUsageRecord) => {
    const tokens = usage.tokens ? tokenTotal(usage.tokens) : 0;
    const usd = usage.costUsd ?? 0;
    spending.totalUsd += usd;
    spending.totalTokens += tokens;
    if (usage.startedAt.slice(0, 10) === today) {
      spending.todayUsd += usd;
      spending.todayTokens += tokens;
    }
  };
  for (const item of state.workOf(projectId)) {
    if (running && item.id === running.workId) continue;
    if (item.usage) add(item.usage);
  }
  if (running) add(running.usage);
  return spending;
}

export function pendingBudgetEvent(state: CommanderState, projectId: string): EventRecord | undefined {
  for (const event of state.eventsOf(projectId)) if (event.type === "budget" && event.status === "pending") return event;
  return undefined;
}

/**
 * Pauses the project and raises one blocking `budget` event when its spending reached a limit. Returns
 * what was exceeded (also when the event was raised earlier and is still pending), else null.
 */
export function enforceBudget(
  ctx: DomainContext,
  projectId: string,
  running: { workId: string; usage: WorkUsageRecord } | null,
): BudgetExceeded | null {
  const project = ctx.state.projects.get(projectId);
  if (!project?.budget) return null;
  const exceeded = budgetExceeded(project.budget, projectSpending(ctx.state, projectId, ctx.now, running));
  if (!exceeded || pendingBudgetEvent(ctx.state, projectId)) return exceeded;
  const text = describeExceeded(exceeded);
  if (project.state !== "paused") pauseProject(ctx, projectId, `paused: ${text}`);
  raiseEvent(ctx, {
    projectId,
    type: "budget",
    title: `Project ${project.name} reached its budget: ${text}`,
    content:
      "The project is paused. Resolve with `resume` after raising the limit (PUT /api/projects/{id}/budget), " +
      `or with a new value for ${exceeded.limit} to raise it and resume.`,
    options: ["resume"],
    workId: running?.workId ?? null,
    context: { limit: exceeded.limit, limit_value: exceeded.limitValue, spent: exceeded.spent },
  });
  return exceeded;
}

/** A resolved `budget` event: a number raises the exceeded limit to it; then the project resumes. */
export function settleBudgetEvent(ctx: DomainContext, event: EventRecord): void {
  if (event.type !== "budget" || event.status !== "resolved") return;
  const resolution = (event.resolution ?? "").trim();
  const project = getProject(ctx.state, event.projectId);
  if (resolution.toLowerCase() !== "resume") {
    const limit = event.context.limit as BudgetLimit | undefined;
    const value = Number(resolution.replace(/^\$/, ""));
    if (!limit || !(limit in FIELDS) || resolution === "" || !Number.isFinite(value) || value < 0) {
      throw invalidField("resolution", `must be "resume" or a new, non-negative value for ${limit ?? "the limit"}`);
    }
    const budget = { ...(project.budget ?? emptyBudget()), [FIELDS[limit].budget]: value };
    setBudget(ctx, project.id, budget);
  }
  if (ctx.state.projects.get(project.id)?.state === "paused") resumeProject(ctx, project.id);
}

export function emptyBudget(): BudgetRecord {
  return { dailyUsd: null, totalUsd: null, dailyTokens: null, totalTokens: null };
}

export function setBudget(ctx: DomainContext, projectId: string, budget: BudgetRecord): BudgetRecord {
  const project = getProject(ctx.state, projectId);
  for (const [limit, field] of Object.entries(FIELDS) as Array<[BudgetLimit, (typeof FIELDS)[BudgetLimit]]>) {
    const value = budget[field.budget];
    if (value !== null && (!Number.isFinite(value) || value < 0)) throw invalidField(`budget.${limit}`, "must be a non-negative number");
    if (value !== null && !field.usd && !Number.isInteger(value)) throw invalidField(`budget.${limit}`, "must be a whole number of tokens");
  }
  const updated = { ...project, budget, lastActivity: ctx.now };
  ctx.tx.put("projects", updated);
  ctx.tx.change("project_changed", projectId, { type: "project", record: updated });
  return budget;
}
