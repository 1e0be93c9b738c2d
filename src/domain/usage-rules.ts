import type { CommanderState } from "./commander-state.js";
import type { DomainContext } from "./domain-context.js";
import { isBlockingType } from "./project-rules.js";
import { addTokens, costOf, NO_TOKENS, tokenTotal, type PriceTable } from "./price-table.js";
import type { ChangedFileRecord, TokenCountsRecord, WorkItemRecord, WorkUsageRecord } from "./records.js";

export const NOT_REPORTED = "not reported by this runtime";

/** What the session layer measured of one turn (the rest is derived from the records). */
export interface TurnMeasurement {
  sessionId: string | null;
  runtime: string;
  startedAt: string;
  /** Null while the turn runs. */
  endedAt: string | null;
  /** Tokens by model from the runtime's transcript; null when the runtime reports none. */
  tokens: { byModel: Record<string, TokenCountsRecord>; models: string[]; modelCalls: number; toolUses: number } | null;
  tokensMissingReason: string | null;
  changedFiles: ChangedFileRecord[] | null;
  changedFilesMissingReason: string | null;
  treeBefore: string | null;
  treeAfter: string | null;
  transcriptPath: string | null;
}

/** A work item's usage record, priced with `prices` and with its waiting time read from its events. */
export function workUsage(state: CommanderState, workId: string, measured: TurnMeasurement, prices: PriceTable, now: string): WorkUsageRecord {
  const end = measured.endedAt ?? now;
  let tokens: TokenCountsRecord | null = null;
  let cost: { costUsd: number | null; reason: string | null } = { costUsd: null, reason: measured.tokensMissingReason ?? NOT_REPORTED };
  if (measured.tokens) {
    tokens = Object.values(measured.tokens.byModel).reduce(addTokens, NO_TOKENS);
    cost = costOf(prices, measured.tokens.byModel);
  }
  return {
    sessionId: measured.sessionId,
    runtime: measured.runtime,
    tokens,
    tokensByModel: measured.tokens?.byModel ?? {},
    tokensMissingReason: measured.tokens ? null : (measured.tokensMissingReason ?? NOT_REPORTED),
    models: measured.tokens?.models ?? [],
    modelCalls: measured.tokens?.modelCalls ?? 0,
    toolUses: measured.tokens?.toolUses ?? 0,
    costUsd: cost.costUsd,
    costMissingReason: cost.reason,
    startedAt: measured.startedAt,
    endedAt: measured.endedAt,
    wallTimeMs: Math.max(0, Date.parse(end) - Date.parse(measured.startedAt)),
    waitingTimeMs: waitingTimeMs(state, workId, measured.startedAt, end),
    changedFiles: measured.changedFiles,
    changedFilesMissingReason: measured.changedFiles ? null : (measured.changedFilesMissingReason ?? "not recorded"),
    treeBefore: measured.treeBefore,
    treeAfter: measured.treeAfter,
    transcriptPath: measured.transcriptPath,
  };
}

/** Time the item's blocking events of this turn stayed open (a human was being waited for). */
export function waitingTimeMs(state: CommanderState, workId: string, since: string, until: string): number {
  const item = state.work.get(workId);
  if (!item) return 0;
  const from = Date.parse(since);
  const to = Date.parse(until);
  let total = 0;
  for (const event of state.eventsOf(item.projectId)) {
    if (event.workId !== workId || !isBlockingType(event.type)) continue;
    const opened = Math.max(from, Date.parse(event.createdAt));
    const closed = Math.min(to, event.resolvedAt ? Date.parse(event.resolvedAt) : to);
    if (closed > opened) total += closed - opened;
  }
  return total;
}

/**
 * Stores an item's usage without a change of its own: the caller does this just before the rule that
 * ends the item, so the usage reaches the change feed with the item's completion.
 */
export function attachWorkUsage(ctx: DomainContext, workId: string, usage: WorkUsageRecord): void {
  const item = ctx.state.work.get(workId);
  if (item) ctx.tx.put("work", { ...item, usage });
}

export interface UsageTotalsRecord {
  tokens: TokenCountsRecord;
  costUsd: number;
  workItems: number;
  workItemsWithoutCost: number;
  modelCalls: number;
  toolUses: number;
  wallTimeMs: number;
  waitingTimeMs: number;
}

export function emptyTotals(): UsageTotalsRecord {
  return { tokens: NO_TOKENS, costUsd: 0, workItems: 0, workItemsWithoutCost: 0, modelCalls: 0, toolUses: 0, wallTimeMs: 0, waitingTimeMs: 0 };
}

export function addUsage(totals: UsageTotalsRecord, usage: WorkUsageRecord): UsageTotalsRecord {
  return {
    tokens: usage.tokens ? addTokens(totals.tokens, usage.tokens) : totals.tokens,
    costUsd: Math.round((totals.costUsd + (usage.costUsd ?? 0)) * 1_000_000) / 1_000_000,
    workItems: totals.workItems + 1,
    workItemsWithoutCost: totals.workItemsWithoutCost + (usage.costUsd === null ? 1 : 0),
    modelCalls: totals.modelCalls + usage.modelCalls,
    toolUses: totals.toolUses + usage.toolUses,
    wallTimeMs: totals.wallTimeMs + usage.wallTimeMs,
    waitingTimeMs: totals.waitingTimeMs + usage.waitingTimeMs,
  };
}

/** The UTC day (`YYYY-MM-DD`) a usage record counts for: the day its turn started. */
export function usageDay(usage: WorkUsageRecord): string {
  return usage.startedAt.slice(0, 10);
}

export interface UsageFilter {
  projectId: string;
  /** RFC 3339; items whose turn started before it are left out. Empty: all. */
  since: string;
  sessionId?: string;
}

export function selectUsage(state: CommanderState, filter: UsageFilter): Array<{ item: WorkItemRecord; usage: WorkUsageRecord }> {
  const since = filter.since === "" ? -Infinity : Date.parse(filter.since);
  const selected: Array<{ item: WorkItemRecord; usage: WorkUsageRecord }> = [];
  for (const item of filter.projectId === "" ? state.work.values() : state.workOf(filter.projectId)) {
    const usage = item.usage;
    if (!usage || Date.parse(usage.startedAt) < since) continue;
    if (filter.sessionId !== undefined && usage.sessionId !== filter.sessionId) continue;
    selected.push({ item, usage });
  }
  return selected;
}

export function totalsOf(state: CommanderState, filter: UsageFilter): UsageTotalsRecord {
  return selectUsage(state, filter).reduce((totals, { usage }) => addUsage(totals, usage), emptyTotals());
}

export { tokenTotal };
