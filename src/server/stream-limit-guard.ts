import { ApiError } from "../errors/api-error.js";
import type { NodeServerRequest } from "../gateway/node-http-types.js";
import type { RequestGuard } from "./request-guard.js";

export interface StreamLimitOptions {
  /** Most streams one client (remote address) may hold open at once. */
  readonly maxPerClient: number;
  /** Whether a request opens a stream (calls a server-streaming or bidirectional RPC, over any protocol). */
  readonly isStream: (req: NodeServerRequest) => boolean;
}

/**
 * Limits the streams each client holds open, counted by remote address: one more gets RESOURCE_EXHAUSTED
 * (429) TOO_MANY_STREAMS. A stream is counted from the moment it is let through until its response
 * closes, however it ends (completed, cancelled, connection lost, server shutdown).
 */
export function streamLimitGuard(options: StreamLimitOptions): RequestGuard {
  const open = new Map<string, number>();
  return (req, res) => {
    if (!options.isStream(req)) return "pass";
    const client = req.socket?.remoteAddress ?? "unknown";
    const count = open.get(client) ?? 0;
    if (count >= options.maxPerClient) {
      return new ApiError(
        "TOO_MANY_STREAMS",
        `this client already has ${count} open streams (max_streams_per_client is ${options.maxPerClient}); close one first`,
        { metadata: { limit: String(options.maxPerClient) } },
      );
    }
    open.set(client, count + 1);
    res.once("close", () => {
      const left = (open.get(client) ?? 1) - 1;
      if (left <= 0) open.delete(client);
      else open.set(client, left);
    });
    return "pass";
  };
}
