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
  return new LazyCallScope(res, shutdownSignal, () => forwardedHeaders(req.headers, requestId));
}

/**
 * A call's headers (from `makeHeaders`) and abort signal, each made on first use; the signal aborts when
 * the client goes away or the daemon shuts down. Shared by the REST gateway and the gRPC unary fast path.
 */
export function lazyCallScope(res: NodeServerResponse, shutdownSignal: AbortSignal | undefined, makeHeaders: () => Headers): RestCallScope {
  return new LazyCallScope(res, shutdownSignal, makeHeaders);
}

// A class rather than an object of closures: one allocation per call, its methods shared.
class LazyCallScope implements RestCallScope {
  private header: Headers | undefined;
  private controller: AbortController | undefined;
  private onClose: (() => void) | undefined;
  private onShutdown: (() => void) | undefined;

  constructor(
    private readonly res: NodeServerResponse,
    private readonly shutdownSignal: AbortSignal | undefined,
    private readonly makeHeaders: () => Headers,
  ) {}

  get requestHeader(): Headers {
    return (this.header ??= this.makeHeaders());
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      const controller = (this.controller = new AbortController());
      const shutdownSignal = this.shutdownSignal;
      const onClose = (this.onClose = () => controller.abort(new ConnectError("client disconnected", Code.Canceled)));
      const onShutdown = (this.onShutdown = () => controller.abort(shutdownSignal?.reason));
      if (clientGone(this.res)) onClose();
      else this.res.once("close", onClose);
      if (shutdownSignal?.aborted) onShutdown();
      else shutdownSignal?.addEventListener("abort", onShutdown, { once: true });
    }
    return this.controller.signal;
  }

  dispose(): void {
    if (this.onClose !== undefined) this.res.off("close", this.onClose);
    if (this.onShutdown !== undefined) this.shutdownSignal?.removeEventListener("abort", this.onShutdown);
  }
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
