import { CommanderError } from "../domain/error-catalogue.js";
import type { ChangeKind, ChangeRecord } from "../domain/records.js";
import type { CommanderCore } from "./commander-core.js";

export interface ChangeFilter {
  projectId: string;
  kinds: ReadonlySet<ChangeKind>;
  afterSeq: number;
}

/**
 * Yields the retained changes after `afterSeq`, then live ones, each exactly once and in order. A
 * subscriber that lets more than `maxBuffered` live changes pile up is ended with a resumable error,
 * so a stuck client cannot make the daemon's memory grow.
 */
export async function* subscribeToChanges(
  core: CommanderCore,
  filter: ChangeFilter,
  signal: AbortSignal,
  maxBuffered: number,
): AsyncGenerator<ChangeRecord> {
  const matches = (change: ChangeRecord) =>
    (filter.projectId === "" || change.projectId === filter.projectId) &&
    (filter.kinds.size === 0 || filter.kinds.has(change.kind));

  let buffer: ChangeRecord[] = [];
  let overflowed = false;
  let wake: (() => void) | null = null;
  const unsubscribe = core.changes.subscribe((change) => {
    if (overflowed || !matches(change)) return;
    if (buffer.length >= maxBuffered) overflowed = true;
    else buffer.push(change);
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);
  try {
    let lastSeq = filter.afterSeq;
    if (filter.afterSeq > 0) {
      const retained = [...core.state.changes.values()].sort((a, b) => a.seq - b.seq);
      const oldest = retained.length > 0 ? retained[0].seq : core.state.lastChangeSeq + 1;
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
      }
    } else {
      lastSeq = core.state.lastChangeSeq;
    }
    while (!signal.aborted) {
      if (buffer.length === 0) {
        if (overflowed) {
          throw new CommanderError(
            "SUBSCRIBER_TOO_SLOW",
            `the watcher fell more than ${maxBuffered} changes behind; resume with after_seq=${lastSeq}`,
            { resume_after_seq: String(lastSeq) },
          );
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
        continue;
      }
      const batch = buffer;
      buffer = [];
      for (const change of batch) {
        if (change.seq <= lastSeq) continue;
        lastSeq = change.seq;
        yield change;
      }
    }
  } finally {
    unsubscribe();
    signal.removeEventListener("abort", onAbort);
  }
}
