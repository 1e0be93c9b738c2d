import { CommanderError } from "../domain/commander-error.js";
import type { ChangeKind, ChangeRecord } from "../domain/records.js";
import type { CommanderCore } from "./commander-core.js";

export interface ChangeFilter {
  projectId: string;
  kinds: ReadonlySet<ChangeKind>;
  afterSeq: number;
}

/**
 * Yields the retained changes after `afterSeq`, then live ones, each exactly once and in order. Only
 * durable changes are yielded: a rule applies its changes to memory before the store has written them,
 * and a failed write rolls them back and reuses their sequence numbers, so the replay stops at the last
 * published sequence and anything newer comes through the hub once committed.
 *
 * A subscriber whose consumer is busy (suspended on a `yield`) while more than `maxBuffered` matching
 * changes arrive is cut off: its buffer and hub listener are released at once, so a stuck client holds
 * no memory, and its next pull fails with SUBSCRIBER_TOO_SLOW carrying the cursor to resume from. A
 * subscriber that is waiting for changes takes a whole burst (one transaction or one group commit can
 * carry many) since it drains it as soon as it runs. `onFellBehind` is told when a subscriber is cut off.
 */
export async function* subscribeToChanges(
  core: CommanderCore,
  filter: ChangeFilter,
  signal: AbortSignal,
  maxBuffered: number,
  onFellBehind?: (resumeAfterSeq: number) => void,
): AsyncGenerator<ChangeRecord> {
  const matches = (change: ChangeRecord) =>
    (filter.projectId === "" || change.projectId === filter.projectId) &&
    (filter.kinds.size === 0 || filter.kinds.has(change.kind));

  let buffer: ChangeRecord[] = [];
  let overflowed = false;
  let waiting = false;
  let wake: (() => void) | null = null;
  let lastSeq = filter.afterSeq;
  const unsubscribe = core.changes.subscribe((change) => {
    if (overflowed || !matches(change)) return;
    if (!waiting && buffer.length >= maxBuffered) {
      overflowed = true;
      buffer = [];
      unsubscribe();
      onFellBehind?.(lastSeq);
    } else {
      buffer.push(change);
    }
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort, { once: true });
  const tooSlow = () =>
    new CommanderError(
      "SUBSCRIBER_TOO_SLOW",
      `the watcher fell more than ${maxBuffered} changes behind; resume with after_seq=${lastSeq}`,
      { resume_after_seq: String(lastSeq) },
    );
  try {
    // Changes above this one may still be in flight; they arrive through the hub once committed.
    const published = core.changes.publishedSeq ?? core.state.lastChangeSeq;
    if (filter.afterSeq > 0) {
      const retained = [...core.state.changes.values()].filter((change) => change.seq <= published).sort((a, b) => a.seq - b.seq);
      const oldest = retained.length > 0 ? retained[0].seq : published + 1;
      if (filter.afterSeq < oldest - 1) {
        throw new CommanderError(
          "HISTORY_EXPIRED",
          `after_seq ${filter.afterSeq} is older than the retained history; the oldest available change is ${oldest} (resume with after_seq=${oldest - 1}, or 0 for live changes only)`,
          { oldest_seq: String(oldest) },
        );
      }
      for (const change of retained) {
        if (change.seq <= lastSeq || !matches(change)) continue;
        lastSeq = change.seq;
        yield change;
        if (signal.aborted) return;
        if (overflowed) throw tooSlow();
      }
    } else {
      lastSeq = published;
    }
    while (!signal.aborted) {
      if (overflowed) throw tooSlow();
      if (buffer.length === 0) {
        waiting = true;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
        waiting = false;
        continue;
      }
      const batch = buffer;
      buffer = [];
      for (const change of batch) {
        if (change.seq <= lastSeq) continue;
        lastSeq = change.seq;
        yield change;
        if (signal.aborted) return;
        if (overflowed) throw tooSlow();
      }
    }
  } finally {
    unsubscribe();
    signal.removeEventListener("abort", onAbort);
  }
}
