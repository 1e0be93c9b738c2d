import { ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { NodeHandlerFn, NodeServerRequest, NodeServerResponse } from "../gateway/node-http-types.js";
import type { RequestTargets } from "./request-targets.js";
import { writeTransportError } from "./write-transport-error.js";

/**
 * What a guard decides about a request: let it through, refuse it with an error (answered in the
 * request's own protocol), or `"answered"` when the guard wrote the whole response itself (a CORS
 * preflight). A guard may set response headers on requests it lets through.
 */
export type GuardVerdict = "pass" | "answered" | ConnectError;

export type RequestGuard = (req: NodeServerRequest, res: NodeServerResponse) => GuardVerdict;

/**
 * Runs the guards in order before the handler; the first that does not pass decides. Guards run before
 * any routing or body parsing, so they hold for REST, Connect, gRPC and gRPC-Web alike, and for paths
 * that match no route.
 */
export interface GuardOptions {
  readonly targets: RequestTargets;
  readonly logger: Logger;
  /** How much of a refused request's body is read (and thrown away) to keep its connection usable. */
  readonly drainLimitBytes: number;
}

export function withGuards(handler: NodeHandlerFn, guards: readonly RequestGuard[], options: GuardOptions): NodeHandlerFn {
  const { targets, logger } = options;
  if (guards.length === 0) return handler;
  const log = logger.child({ component: "guard" });
  return (req, res) => {
    for (const guard of guards) {
      const verdict = guard(req, res);
      if (verdict === "pass") continue;
      if (verdict instanceof ConnectError) {
        // Never the headers: they may hold a token.
        log.info(
          { requestId: req.headers["x-request-id"], reason: reasonOf(verdict), method: req.method, path: (req.url ?? "").split("?", 1)[0], remote: req.socket?.remoteAddress },
          "request refused",
        );
        writeTransportError(req, res, verdict, targets.isRpcPath(req), options.drainLimitBytes);
      }
      return;
    }
    handler(req, res);
  };
}

function reasonOf(error: ConnectError): string | undefined {
  for (const detail of error.details) {
    if ("desc" in detail && detail.desc.typeName === "google.rpc.ErrorInfo") {
      return (detail.value as { reason?: string }).reason;
    }
  }
  return undefined;
}
