import { closeSync, openSync, readSync, watch, writeFileSync, type FSWatcher } from "node:fs";

export interface AgentLogWatcher {
  /** Resolves with the time the fake agent wrote the first new line matching `predicate`. */
  next(predicate: (line: string) => boolean, timeoutMs?: number): Promise<bigint>;
  close(): void;
}

/**
 * Follows the file the fake agent (test/support/fake-agent.mjs) appends every received line to
 * (`$FAKE_AGENT_LOG`, one JSON object per line), through inotify: the moment a line lands there is the
 * moment the agent's program has read the text from its terminal.
 */
export function watchAgentLog(path: string): AgentLogWatcher {
  writeFileSync(path, "", { flag: "a" });
  const fd = openSync(path, "r");
  let offset = 0;
  let pending = "";
  const waiters = new Set<{ predicate: (line: string) => boolean; resolve(at: bigint): void; reject(error: Error): void; timer: NodeJS.Timeout }>();
  const buffer = Buffer.alloc(64 * 1024);
  const readNew = () => {
    const at = process.hrtime.bigint();
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, offset);
      if (read === 0) break;
      offset += read;
      pending += buffer.toString("utf8", 0, read);
    }
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const raw of lines) {
      if (raw === "") continue;
      const line = (JSON.parse(raw) as { line: string }).line;
      for (const waiter of waiters) {
        if (!waiter.predicate(line)) continue;
        waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(at);
      }
    }
  };
  readNew();
  const watcher: FSWatcher = watch(path, readNew);
  return {
    next(predicate, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const waiter = {
          predicate,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            reject(new Error(`the agent did not log a matching line within ${timeoutMs} ms`));
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },
    close() {
      watcher.close();
      closeSync(fd);
      for (const waiter of waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error("log watcher closed"));
      }
    },
  };
}
