import { Code, ConnectError, createConnectRouter } from "@connectrpc/connect";
import type { ConnectRouter, ConnectRouterOptions } from "@connectrpc/connect";
import type { UniversalHandlerFn } from "@connectrpc/connect/protocol";
import { compressionBrotli, compressionGzip, universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import type { NodeHandlerFn } from "../gateway/node-http-types.js";
import { withClientFaultCodes } from "./client-fault-codes.js";

export interface RpcAdapterOptions extends ConnectRouterOptions {
  readonly routes: (router: ConnectRouter) => void;
  /** Serves requests whose path is no RPC's (the REST gateway). */
  readonly fallback: NodeHandlerFn;
  readonly logger: Logger;
}

/**
 * Serves Connect, gRPC and gRPC-Web on Node's `http` and `http2` servers: connect-node's
 * `connectNodeAdapter`, with two differences. Malformed request messages are INVALID_ARGUMENT rather than
 * INTERNAL (see client-fault-codes.ts), and a handler failure is logged through the daemon's logger
 * instead of `console.error`.
 */
export function createRpcAdapter(options: RpcAdapterOptions): NodeHandlerFn {
  const log = options.logger.child({ component: "rpc-adapter" });
  const router = createConnectRouter({ acceptCompression: [compressionGzip, compressionBrotli], ...options });
  options.routes(router);
  const paths = new Map<string, { handler: UniversalHandlerFn; rpc: string }>();
  for (const handler of router.handlers) {
    paths.set(handler.requestPath, { handler: withClientFaultCodes(handler), rpc: `${handler.service.typeName}/${handler.method.name}` });
  }
  return (req, res) => {
    // connect-node matches the path without its query string; so does the transport guards' routing.
    const target = paths.get((req.url ?? "").split("?", 2)[0]);
    if (target === undefined) {
      options.fallback(req, res);
      return;
    }
    let request;
    try {
      request = universalRequestFromNodeRequest(req, res, undefined, undefined);
    } catch (error) {
      // Only a request without an authority gets here; the Host guard refuses those first.
      log.debug({ err: error }, "request not understood");
      res.writeHead(400);
      res.end();
      return;
    }
    target
      .handler(request)
      .then((response) => universalResponseToNodeResponse(response, res))
      .catch((reason: unknown) => {
        if (ConnectError.from(reason).code === Code.Aborted) return;
        // Errors of the call itself are already in the response: what fails here is writing it.
        log.warn({ err: reason, rpc: target.rpc }, "rpc response not delivered");
      });
  };
}
