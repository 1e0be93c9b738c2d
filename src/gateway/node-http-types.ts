import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";

// connect-node does not export its request/response types from the package root; they are derived from
// the adapter's `fallback` so that the gateway handles HTTP/1.1 and HTTP/2 requests alike.

/** A Node request handler for `http` and `http2` servers alike. */
export type NodeHandlerFn = NonNullable<ConnectNodeAdapterOptions["fallback"]>;
/** An `http.IncomingMessage` or an `http2.Http2ServerRequest`. */
export type NodeServerRequest = Parameters<NodeHandlerFn>[0];
/** An `http.ServerResponse` or an `http2.Http2ServerResponse`. */
export type NodeServerResponse = Parameters<NodeHandlerFn>[1];
