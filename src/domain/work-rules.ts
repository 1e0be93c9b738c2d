import type { CommanderState } from "./commander-state.js";
import type { DomainContext } from "./domain-context.js";
import { CommanderError, invalidField } from "./commander-error.js";
import { countUnfinishedWork, getProject, refreshProjectState } from "./project-rules.js";
import { FINISHED_WORK_STATES, WORK_PRIORITY_RANK, type WorkItemRecord, type WorkPriority, type WorkState } from "./records.js";
import { paginate, sortByOrdering, type Ordering, type Page, type PageRequest } from "./paginate.js";
import { transition, WORK_TRANSITIONS } from "./transitions.js";
import { limitLength, requireTerminalSafeText } from "./validate-fields.js";

export interface AddWorkInput {
  projectId: string;
  content: string;
  priority: WorkPriority | null;
  dependsOn: string[];
}

export function getWork(state: CommanderState, workId: string, projectId = ""): WorkItemRecord {
  if (workId === "") throw invalidField("work_id", "must not be empty");
  const item = state.work.get(workId);
  if (!item || (projectId !== "" && item.projectId !== projectId)) {
    const where = projectId === "" ? "" : ` in project ${projectId}`;
    throw new CommanderError("WORK_NOT_FOUND", `work item ${workId} not found${where}`, { work_id: workId });
  }
  return item;
}

export function addWork(ctx: DomainContext, input: AddWorkInput): WorkItemRecord {
  getProject(ctx.state, input.projectId);
  const content = requireTerminalSafeText("content", input.content, ctx.limits.maxContentBytes);
  const dependsOn = validateDependencies(ctx.state, input.projectId, input.dependsOn);
  if (countUnfinishedWork(ctx.state, input.projectId) >= ctx.limits.maxUnfinishedWorkPerProject) {
    throw new CommanderError(
      "QUEUE_FULL",
      `project ${input.projectId} already has ${ctx.limits.maxUnfinishedWorkPerProject} unfinished work items`,
      { project_id: input.projectId },
    );
  }
  const item: WorkItemRecord = {
    id: ctx.newId("work"),
    projectId: input.projectId,
    content,
    state: "queued",
    priority: input.priority ?? "medium",
    dependsOn,
    result: null,
    error: null,
    stateReason: null,
    blockedByEventId: null,
    attempts: 0,
    createdAt: ctx.now,
    startedAt: null,
    completedAt: null,
  };
  return saveWork(ctx, item);
}

// A new item cannot close a cycle (nothing depends on it yet), so validation is about existence,
// ownership and whether the dependency can still complete.
function validateDependencies(state: CommanderState, projectId: string, dependsOn: string[]): string[] {
  const seen = new Set<string>();
  for (const id of dependsOn) {
    if (id === "") throw invalidField("depends_on", "must not contain empty ids");
    if (seen.has(id)) throw new CommanderError("INVALID_DEPENDENCY", `depends_on: ${id} is listed twice`, { work_id: id });
    seen.add(id);
    const dependency = state.work.get(id);
    if (!dependency) throw new CommanderError("INVALID_DEPENDENCY", `depends_on: work item ${id} does not exist`, { work_id: id });
    if (dependency.projectId !== projectId) {
      throw new CommanderError(
        "INVALID_DEPENDENCY",
        `depends_on: work item ${id} belongs to project ${dependency.projectId}, not ${projectId}`,
        { work_id: id },
      );
    }
    if (dependency.state === "failed" || dependency.state === "cancelled") {
      throw new CommanderError(
        "INVALID_DEPENDENCY",
        `depends_on: work item ${id} is ${dependency.state} and will never complete`,
        { work_id: id },
      );
    }
  }
  return [...seen];
}

export interface WorkFilter {
  projectId: string;
  state: WorkState | null;
  priority: WorkPriority | null;
}

/** Dispatch order: higher priority first, then older first (creation order breaks ties). */
export function compareDispatchOrder(a: WorkItemRecord, b: WorkItemRecord): number {
  return WORK_PRIORITY_RANK[b.priority] - WORK_PRIORITY_RANK[a.priority] || a.createdAt.localeCompare(b.createdAt);
}

/** The listing's order: dispatch order, with creation order (the stable sort) among equal keys. */
export const WORK_LIST_ORDER: Ordering<WorkItemRecord> = {
  key: (item) => [WORK_PRIORITY_RANK[item.priority], item.createdAt],
  directions: [-1, 1],
  id: (item) => item.id,
};

/** One page of `listWork`. */
export function listWorkPage(state: CommanderState, filter: WorkFilter, page: PageRequest): Page<WorkItemRecord> {
  const query = JSON.stringify(["ListWork", filter.projectId, filter.state, filter.priority]);
  return paginate(sortByOrdering(filterWork(state, filter), WORK_LIST_ORDER), WORK_LIST_ORDER, query, page);
}

export function listWork(state: CommanderState, filter: WorkFilter): WorkItemRecord[] {
  // Array.prototype.sort is stable, so items created in the same millisecond keep creation order.
  return filterWork(state, filter).sort(compareDispatchOrder);
}

function filterWork(state: CommanderState, filter: WorkFilter): WorkItemRecord[] {
  const items: WorkItemRecord[] = [];
  for (const item of filter.projectId === "" ? state.work.values() : state.workOf(filter.projectId)) {
    if (filter.state !== null && item.state !== filter.state) continue;
    if (filter.priority !== null && item.priority !== filter.priority) continue;
    items.push(item);
  }
  return items;
}

/**
 * The next item the project's agent should work on: queued, dependencies completed, its back-off
 * (`notBefore`) over at `now` (milliseconds; omitted: back-offs are ignored), best in order.
 */
export function nextRunnableWork(state: CommanderState, projectId: string, now?: number): WorkItemRecord | undefined {
  let best: WorkItemRecord | undefined;
  for (const item of state.unfinishedWorkOf(projectId)) {
    if (item.state !== "queued") continue;
    if (now !== undefined && item.notBefore && Date.parse(item.notBefore) > now) continue;
    if (!item.dependsOn.every((id) => state.work.get(id)?.state === "completed")) continue;
    if (!best || compareDispatchOrder(item, best) < 0) best = item;
  }
  return best;
}

export function activeWorkOf(state: CommanderState, projectId: string): WorkItemRecord | undefined {
  for (const item of state.workOf(projectId)) {
    if (item.state === "in_progress" || item.state === "blocked") return item;
  }
  return undefined;
}

export function startWork(ctx: DomainContext, workId: string): WorkItemRecord {
  const item = getWork(ctx.state, workId);
  const state = transition(WORK_TRANSITIONS, workId, item.state, "start");
  return saveWork(ctx, { ...item, state, stateReason: null, attempts: item.attempts + 1, startedAt: ctx.now, notBefore: null });
}

export function completeWork(ctx: DomainContext, workId: string, result: string): WorkItemRecord {
  const item = getWork(ctx.state, workId);
  const state = transition(WORK_TRANSITIONS, workId, item.state, "complete");
  return saveWork(ctx, {
    ...item,
    state,
    result: limitLength("result", result, 4 * ctx.limits.maxContentBytes),
    stateReason: null,
    blockedByEventId: null,
    completedAt: ctx.now,
  });
}

export function failWork(ctx: DomainContext, workId: string, error: string): WorkItemRecord {
  const item = getWork(ctx.state, workId);
  const state = transition(WORK_TRANSITIONS, workId, item.state, "fail");
  const text = error.trim() === "" ? "failed" : limitLength("error", error, ctx.limits.maxContentBytes);
  const failed = saveWork(ctx, { ...item, state, error: text, stateReason: null, blockedByEventId: null, completedAt: ctx.now });
  cancelDependents(ctx, workId, `dependency ${workId} failed`);
  return failed;
}

export function cancelWork(ctx: DomainContext, workId: string, projectId: string, reason: string): WorkItemRecord {
  const item = getWork(ctx.state, workId, projectId);
  const state = transition(WORK_TRANSITIONS, workId, item.state, "cancel");
  const text = reason.trim() === "" ? "cancelled by a user" : limitLength("reason", reason, 1000);
  const cancelled = saveWork(ctx, { ...item, state, error: text, stateReason: null, blockedByEventId: null, completedAt: ctx.now });
  cancelDependents(ctx, workId, `dependency ${workId} was cancelled`);
  return cancelled;
}

// Dependents of an item that can no longer complete would wait forever: cancel them, transitively.
function cancelDependents(ctx: DomainContext, workId: string, reason: string): void {
  const projectId = ctx.state.work.get(workId)?.projectId ?? "";
  // Dependencies never cross projects, so only the item's own project can hold dependents.
  for (const item of [...ctx.state.workOf(projectId)]) {
    if (!item.dependsOn.includes(workId) || FINISHED_WORK_STATES.has(item.state)) continue;
    const state = transition(WORK_TRANSITIONS, item.id, item.state, "cancel");
    saveWork(ctx, { ...item, state, error: reason, stateReason: null, blockedByEventId: null, completedAt: ctx.now });
    cancelDependents(ctx, item.id, `dependency ${item.id} was cancelled`);
  }
}

export function blockWork(ctx: DomainContext, workId: string, eventId: string, reason: string): WorkItemRecord {
  const item = getWork(ctx.state, workId);
  const state = transition(WORK_TRANSITIONS, workId, item.state, "block");
  return saveWork(ctx, { ...item, state, blockedByEventId: eventId, stateReason: reason });
}

export function unblockWork(ctx: DomainContext, workId: string): WorkItemRecord {
  const item = getWork(ctx.state, workId);
  const state = transition(WORK_TRANSITIONS, workId, item.state, "unblock");
  return saveWork(ctx, { ...item, state, blockedByEventId: null, stateReason: null });
}

/**
 * Puts an interrupted item back in the queue (its session stopped, or the daemon restarted); `notBefore`
 * (ISO time) holds it back until then.
 */
export function requeueWork(ctx: DomainContext, workId: string, reason: string, notBefore: string | null = null): WorkItemRecord {
  const item = getWork(ctx.state, workId);
  const state = transition(WORK_TRANSITIONS, workId, item.state, "requeue");
  return saveWork(ctx, { ...item, state, blockedByEventId: null, stateReason: reason, notBefore });
}

/** Changes only what an item's `state_reason` says (the agent's progress: the model API retrying, ...). */
export function noteWork(ctx: DomainContext, workId: string, reason: string): WorkItemRecord {
  const item = getWork(ctx.state, workId);
  return item.stateReason === reason ? item : saveWork(ctx, { ...item, stateReason: reason });
}

function saveWork(ctx: DomainContext, item: WorkItemRecord): WorkItemRecord {
  ctx.tx.put("work", item);
  ctx.tx.change("work_changed", item.projectId, { type: "work_item", record: item });
  if (ctx.state.projects.has(item.projectId)) refreshProjectState(ctx, item.projectId);
  return item;
}
