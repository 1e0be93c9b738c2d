import { request, type ClientRequest } from "node:http";

export interface Arrival<T> {
  message: T;
  /** `process.hrtime.bigint()` when the chunk holding the line arrived. */
  at: bigint;
}

export interface NdjsonWatcher<T = any> {
  /** Resolves once the response headers arrived (the daemon sends them after 100 ms at the latest). */
  ready: Promise<void>;
  /** The next message matching `predicate` that arrives after this call. */
  next(predicate: (message: T) => boolean, timeoutMs?: number): Promise<Arrival<T>>;
  close(): void;
}

interface Waiter<T> {
  predicate: (message: T) => boolean;
  resolve(arrival: Arrival<T>): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * A watcher on a newline-delimited JSON stream (`GET /api/changes`), on its own connection: one parsed
 * message per line, each stamped with the time its bytes arrived. `unwrap` picks the payload out of a
 * line (`{"result": {"change": ...}}` → the change).
 */
export function watchNdjson<T = any>(url: string, unwrap: (line: any) => T = (line) => line?.result?.change): NdjsonWatcher<T> {
  const waiters = new Set<Waiter<T>>();
  let pending = "";
  let closed = false;
  let req: ClientRequest;
  const failAll = (error: Error) => {
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    waiters.clear();
  };
  const ready = new Promise<void>((resolve, reject) => {
    req = request(url, { agent: false, headers: { accept: "application/x-ndjson" } }, (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`${url}: HTTP ${response.statusCode}`));
        response.resume();
        return;
      }
      resolve();
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        const at = process.hrtime.bigint();
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop()!;
        for (const line of lines) {
          if (line === "") continue;
          const message = unwrap(JSON.parse(line));
          for (const waiter of waiters) {
            if (!waiter.predicate(message)) continue;
            waiters.delete(waiter);
            clearTimeout(waiter.timer);
            waiter.resolve({ message, at });
          }
        }
      });
      response.on("end", () => failAll(new Error(`${url}: the stream ended`)));
    });
    req.on("error", (error) => {
      reject(error);
      if (!closed) failAll(error);
    });
    req.end();
  });
  ready.catch(() => undefined);
  return {
    ready,
    next(predicate, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const waiter: Waiter<T> = {
          predicate,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            reject(new Error(`no matching message on ${url} within ${timeoutMs} ms`));
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },
    close() {
      closed = true;
      req.destroy();
      failAll(new Error("watcher closed"));
    },
  };
}
