import type { IncomingHttpHeaders } from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";
import type { CallScope } from "./direct-calls.js";
import type { NodeServerRequest, NodeServerResponse } from "./node-http-types.js";

// Headers that describe the HTTP exchange itself, or that a Connect call sets on its own.
const hopHeaders = new Set([
  "host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer",
  "expect", "http2-settings", "content-length", "content-type", "content-encoding", "accept",
  "accept-encoding", "last-event-id",
]);

export interface RestCallScope extends CallScope {
  /** Stops listening to the client and the daemon once the call is over. */
  dispose(): void;
}

/**
 * The parts of a REST request that a service may ask for, made when it asks: most calls read neither the
 * headers nor the signal, and a Headers object, an AbortController and two listeners per request were a
 * measurable share of a small call's cost.
 */
export function restCallScope(req: NodeServerRequest, res: NodeServerResponse, requestId: string, shutdownSignal: AbortSignal | undefined): RestCallScope {
  return lazyCallScope(res, shutdownSignal, () => forwardedHeaders(req.headers, requestId));
}

/**
 * A call's headers (from `makeHeaders`) and abort signal, each made on first use; the signal aborts when
 * the client goes away or the daemon shuts down. Shared by the REST gateway and the gRPC unary fast path.
 */
export function lazyCallScope(res: NodeServerResponse, shutdownSignal: AbortSignal | undefined, makeHeaders: () => Headers): RestCallScope {
  let header: Headers | undefined;
  let controller: AbortController | undefined;
  const onClose = () => controller?.abort(new ConnectError("client disconnected", Code.Canceled));
  const onShutdown = () => controller?.abort(shutdownSignal?.reason);
  return {
    get requestHeader() {
      header ??= makeHeaders();
      return header;
    },
    get signal() {
      if (controller === undefined) {
        controller = new AbortController();
        if (clientGone(res)) onClose();
        else res.once("close", onClose);
        if (shutdownSignal?.aborted) onShutdown();
        else shutdownSignal?.addEventListener("abort", onShutdown, { once: true });
      }
      return controller.signal;
    },
    dispose() {
      if (controller === undefined) return;
      res.off("close", onClose);
      shutdownSignal?.removeEventListener("abort", onShutdown);
    },
  };
}

/** Whether the client has gone (its connection or HTTP/2 stream is closed), so nothing can be written. */
export function clientGone(res: NodeServerResponse): boolean {
  // An Http2ServerResponse has no `destroyed` of its own: its stream has.
  return "stream" in res ? res.stream.destroyed : res.destroyed;
}

/** The request's headers as an RPC would see them: without hop-by-hop and Connect/gRPC protocol headers. */
export function forwardedHeaders(headers: IncomingHttpHeaders, requestId: string): Headers {
  const forwarded = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(":") || hopHeaders.has(name)) continue;
    if (name.startsWith("connect-") || name.startsWith("grpc-")) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      forwarded.append(name, item);
    }
  }
  forwarded.set("x-request-id", requestId);
  return forwarded;
}
