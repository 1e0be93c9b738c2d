import { Code, ConnectError, createConnectRouter } from "@connectrpc/connect";
import type { ConnectRouter, ConnectRouterOptions } from "@connectrpc/connect";
import type { UniversalHandlerFn } from "@connectrpc/connect/protocol";
import type { DescMethod } from "@bufbuild/protobuf";
import { compressionBrotli, compressionGzip, universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import type { DirectCall, DirectCalls } from "../gateway/direct-calls.js";
import type { NodeHandlerFn, NodeServerRequest, NodeServerResponse } from "../gateway/node-http-types.js";
import { withClientFaultCodes } from "./client-fault-codes.js";
import { isPlainGrpcUnary, serveGrpcUnary } from "./grpc-unary-fast-path.js";

export interface RpcAdapterOptions extends ConnectRouterOptions {
  readonly routes: (router: ConnectRouter) => void;
  /** The same implementations, callable in process (for plain gRPC unary calls). */
  readonly direct: DirectCalls;
  /** Serves requests whose path is no RPC's (the REST gateway). */
  readonly fallback: NodeHandlerFn;
  readonly logger: Logger;
}

/**
 * Serves Connect, gRPC and gRPC-Web on Node's `http` and `http2` servers: connect-node's
 * `connectNodeAdapter`, with two differences. Malformed request messages are INVALID_ARGUMENT rather than
 * INTERNAL (see client-fault-codes.ts), a handler failure is logged through the daemon's logger
 * instead of `console.error`, and a plain gRPC unary call skips connect-es's handler for the
 * implementation itself (grpc-unary-fast-path.ts), answering the same.
 */
export function createRpcAdapter(options: RpcAdapterOptions): NodeHandlerFn {
  const log = options.logger.child({ component: "rpc-adapter" });
  const router = createConnectRouter({ acceptCompression: [compressionGzip, compressionBrotli], ...options });
  options.routes(router);
  const { direct } = options;
  const readMaxBytes = options.readMaxBytes ?? 0xffffffff;
  const paths = new Map<string, Target>();
  for (const handler of router.handlers) {
    paths.set(handler.requestPath, {
      handler: withClientFaultCodes(handler),
      rpc: `${handler.service.typeName}/${handler.method.name}`,
      method: handler.method,
      unary: direct.unary(handler.method),
    });
  }
  const viaConnect = (req: NodeServerRequest, res: NodeServerResponse, target: Target, body?: AsyncIterable<Uint8Array>) => {
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
    if (body !== undefined) request = { ...request, body };
    target
      .handler(request)
      .then((response) => universalResponseToNodeResponse(response, res))
      .catch((reason: unknown) => {
        if (ConnectError.from(reason).code === Code.Aborted) return;
        // Errors of the call itself are already in the response: what fails here is writing it.
        log.warn({ err: reason, rpc: target.rpc }, "rpc response not delivered");
      });
  };
  return (req, res) => {
    // connect-node matches the path without its query string; so does the transport guards' routing.
    const url = req.url ?? "";
    const queryAt = url.indexOf("?");
    const target = paths.get(queryAt < 0 ? url : url.slice(0, queryAt));
    if (target === undefined) {
      options.fallback(req, res);
      return;
    }
    if (target.unary !== undefined && isPlainGrpcUnary(req)) {
      serveGrpcUnary(req, res, target.method, target.unary, {
        readMaxBytes,
        shutdownSignal: options.shutdownSignal,
        viaConnect: (body) => viaConnect(req, res, target, body),
      }).catch((reason: unknown) => {
        log.warn({ err: reason, rpc: target.rpc }, "rpc response not delivered");
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
      return;
    }
    viaConnect(req, res, target);
  };
}

interface Target {
  handler: UniversalHandlerFn;
  rpc: string;
  method: DescMethod;
  /** The implementation called directly, for a unary method. */
  unary: DirectCall | undefined;
}
