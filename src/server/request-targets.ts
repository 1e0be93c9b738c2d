import type { DescMethod } from "@bufbuild/protobuf";
import { createConnectRouter } from "@connectrpc/connect";
import type { ConnectRouter } from "@connectrpc/connect";
import type { NodeServerRequest } from "../gateway/node-http-types.js";
import { requestUrl } from "../gateway/request-url.js";
import { createRouteTable } from "../gateway/route-table.js";

export interface RequestTargets {
  /**
   * The RPC a request will reach, decided exactly as the server dispatches it: an RPC path
   * (`/<service>/<method>`, query string stripped, as connect-node's adapter matches it) first, else
   * the REST route the gateway would pick. Undefined for a request no RPC will serve.
   */
  methodOf(req: NodeServerRequest): DescMethod | undefined;
  /** Whether the request goes to the Connect adapter (an RPC path) rather than to the REST gateway. */
  isRpcPath(req: NodeServerRequest): boolean;
}

/** Indexes the registered RPCs once, so that the transport guards can tell what a request is for. */
export function createRequestTargets(routes: (router: ConnectRouter) => void): RequestTargets {
  const probe = createConnectRouter();
  routes(probe);
  const byPath = new Map(probe.handlers.map((handler) => [handler.requestPath, handler.method]));
  const table = createRouteTable(probe.handlers.map((handler) => handler.method));
  const rpcPath = (req: NodeServerRequest) => (req.url ?? "").split("?", 2)[0];
  // Several guards ask about the same request: it is routed once.
  const resolved = new WeakMap<NodeServerRequest, DescMethod | null>();
  const resolve = (req: NodeServerRequest): DescMethod | undefined => {
    const rpc = byPath.get(rpcPath(req));
    if (rpc !== undefined) return rpc;
    const url = requestUrl(req.url);
    if (url === undefined) return undefined;
    const match = table.match((req.method ?? "GET").toUpperCase(), url.pathname);
    return match.kind === "found" ? match.route.method : undefined;
  };
  return {
    isRpcPath: (req) => byPath.has(rpcPath(req)),
    methodOf(req) {
      let method = resolved.get(req);
      if (method === undefined) {
        method = resolve(req) ?? null;
        resolved.set(req, method);
      }
      return method ?? undefined;
    },
  };
}
