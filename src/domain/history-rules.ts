import type { DomainContext } from "./domain-context.js";
import { FINISHED_WORK_STATES } from "./records.js";

export interface RetentionPolicy {
  maxFinishedWork: number;
  maxResolvedEvents: number;
  maxChanges: number;
  /** Finished records older than this (RFC 3339) are pruned whatever their number. */
  cutoff: string;
}

/**
 * Prunes history so the state files do not grow without bound: finished work items, closed events and
 * delivered messages beyond the newest N or older than the cutoff, and the change feed beyond its newest
 * N entries. Finished items that unfinished ones still depend on are kept.
 */
export function pruneHistory(ctx: DomainContext, policy: RetentionPolicy): number {
  const { state, tx } = ctx;
  let pruned = 0;

  const neededDependencies = new Set<string>();
  for (const item of state.work.values()) {
    if (!FINISHED_WORK_STATES.has(item.state)) for (const id of item.dependsOn) neededDependencies.add(id);
  }
  // Sorted (newest first) only when there are more than the count kept; otherwise only the age decides.
  const finishedWork = newestFirstBeyond(
    [...state.work.values()].filter((item) => FINISHED_WORK_STATES.has(item.state) && !neededDependencies.has(item.id)),
    policy.maxFinishedWork,
    (a, b) => (b.completedAt ?? b.createdAt).localeCompare(a.completedAt ?? a.createdAt),
  );
  finishedWork.forEach((item, index) => {
    if (index >= policy.maxFinishedWork || (item.completedAt ?? item.createdAt) < policy.cutoff) {
      tx.delete("work", item.id);
      pruned++;
    }
  });

  const closedEvents = newestFirstBeyond(
    [...state.events.values()].filter((event) => event.status !== "pending"),
    policy.maxResolvedEvents,
    (a, b) => (b.resolvedAt ?? b.createdAt).localeCompare(a.resolvedAt ?? a.createdAt),
  );
  closedEvents.forEach((event, index) => {
    if (index >= policy.maxResolvedEvents || (event.resolvedAt ?? event.createdAt) < policy.cutoff) {
      tx.delete("events", event.id);
      pruned++;
    }
  });

  for (const message of [...state.inbox.values()]) {
    if (message.state === "delivered" && (message.deliveredAt ?? message.createdAt) < policy.cutoff) {
      tx.delete("inbox", message.id);
      pruned++;
    }
  }

  const changes = state.changes.size > policy.maxChanges ? [...state.changes.values()].sort((a, b) => b.seq - a.seq) : [];
  for (const change of changes.slice(policy.maxChanges)) {
    tx.delete("changes", String(change.seq));
    pruned++;
  }
  return pruned;
}

// Pruning runs on the event loop every save_interval: sorting a large history that is all kept anyway
// (a raised limit) held it for tens of milliseconds each time.
function newestFirstBeyond<T>(records: T[], kept: number, newestFirst: (a: T, b: T) => number): T[] {
  return records.length > kept ? records.sort(newestFirst) : records;
}
