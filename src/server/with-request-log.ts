import { randomUUID } from "node:crypto";
import type { DescMethod } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import type { NodeHandlerFn, NodeServerRequest } from "../gateway/node-http-types.js";
import type { RequestTargets } from "./request-targets.js";

export const REQUEST_ID_HEADER = "x-request-id";

// A client's own id is kept when it is short and plain (it lands in logs and in a response header).
const saneId = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The id of a request: the client's `x-request-id` when it is sane, otherwise a new UUID. */
export function requestIdFor(incoming: string | string[] | undefined): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return value !== undefined && saneId.test(value) ? value : randomUUID();
}

const rpcNames = new WeakMap<DescMethod, string>();

function rpcName(method: DescMethod): string {
  let name = rpcNames.get(method);
  if (name === undefined) rpcNames.set(method, (name = `${method.parent.typeName}/${method.name}`));
  return name;
}

export type WireProtocol = "grpc" | "grpc-web" | "connect" | "rest";

export function wireProtocolOf(req: NodeServerRequest, isRpcPath: boolean): WireProtocol {
  if (!isRpcPath) return "rest";
  const contentType = String(req.headers["content-type"] ?? "").toLowerCase();
  if (contentType.startsWith("application/grpc-web")) return "grpc-web";
  if (contentType.startsWith("application/grpc")) return "grpc";
  return "connect";
}

/**
 * Gives every request an id, whatever its protocol: returned in the `x-request-id` response header,
 * passed on to the handlers as the request's own `x-request-id` header, and logged with the call in one
 * line when its response closes (for a stream, when the stream ends).
 */
export function withRequestLog(handler: NodeHandlerFn, options: { logger: Logger; targets: RequestTargets }): NodeHandlerFn {
  const log = options.logger.child({ component: "request" });
  return (req, res) => {
    const requestId = requestIdFor(req.headers[REQUEST_ID_HEADER]);
    req.headers[REQUEST_ID_HEADER] = requestId;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const started = performance.now();
    res.once("close", () => {
      const method = options.targets.methodOf(req);
      const target = req.url ?? "";
      const queryAt = target.indexOf("?");
      log.info(
        {
          requestId,
          protocol: wireProtocolOf(req, options.targets.isRpcPath(req)),
          rpc: method === undefined ? undefined : rpcName(method),
          method: req.method,
          path: queryAt < 0 ? target : target.slice(0, queryAt),
          status: res.statusCode,
          completed: res.writableFinished,
          durationMs: Math.round(performance.now() - started),
          remote: req.socket?.remoteAddress,
        },
        "request finished",
      );
    });
    handler(req, res);
  };
}
