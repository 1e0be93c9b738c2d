import type { DestinationStream } from "pino";

export interface BatchedDestination extends DestinationStream {
  /** Writes what is waiting now. */
  flushSync(): void;
}

/**
 * Log lines written during one turn of the event loop, passed on in one write at the end of the turn
 * (and at exit). A synchronous write per line costs a system call per request line, and pino's
 * asynchronous mode hands every write to a worker thread: each thread switch cost more than the line.
 * Under load many requests end in one turn, so their lines share a write; a quiet daemon still writes
 * each line at once, before it waits for anything.
 */
export function batchedDestination(target: DestinationStream): BatchedDestination {
  let pending: string[] = [];
  let scheduled = false;
  const flushSync = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.length === 1 ? pending[0] : pending.join("");
    pending = [];
    target.write(text);
  };
  process.once("exit", flushSync);
  return {
    write(line: string) {
      pending.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flushSync);
      }
    },
    flushSync,
  };
}
