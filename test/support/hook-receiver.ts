import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedHook {
  event: string;
  path: string;
  authorization: string | undefined;
  payload: Record<string, unknown>;
  receivedAt: number;
}

export type HookResponder = (hook: ReceivedHook) => Record<string, unknown> | Promise<Record<string, unknown>>;

export interface HookReceiver {
  url: string;
  hooks: ReceivedHook[];
  /** Sets the answer for one event (`{}` for events without one). */
  respond(event: string, responder: HookResponder): void;
  /** Resolves with the first hook (already received or coming) that matches, or fails after `timeoutMs`. */
  next(event: string, predicate?: (hook: ReceivedHook) => boolean, timeoutMs?: number): Promise<ReceivedHook>;
  close(): Promise<void>;
}

/** Stands in for the daemon's `/api/hooks/{session_id}` route: records each hook call and answers it. */
export async function startHookReceiver(): Promise<HookReceiver> {
  const hooks: ReceivedHook[] = [];
  const responders = new Map<string, HookResponder>();
  const waiters = new Set<(hook: ReceivedHook) => void>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      let payload: Record<string, unknown> = {};
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      } catch {
        // recorded with an empty payload; the test will notice
      }
      const hook: ReceivedHook = {
        event: String(payload.hook_event_name ?? ""),
        path: req.url ?? "/",
        authorization: req.headers.authorization,
        payload,
        receivedAt: Date.now(),
      };
      hooks.push(hook);
      for (const waiter of [...waiters]) waiter(hook);
      const output = (await responders.get(hook.event)?.(hook)) ?? {};
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(output));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    hooks,
    respond: (event, responder) => void responders.set(event, responder),
    next(event, predicate = () => true, timeoutMs = 15_000) {
      const matches = (hook: ReceivedHook) => hook.event === event && predicate(hook);
      const seen = hooks.find(matches);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const got = hooks.map((hook) => hook.event).join(", ") || "none";
          reject(new Error(`no ${event} hook within ${timeoutMs} ms (received: ${got})`));
        }, timeoutMs);
        const waiter = (hook: ReceivedHook) => {
          if (!matches(hook)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(hook);
        };
        waiters.add(waiter);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
