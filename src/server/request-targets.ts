import type { DescMethod } from "@bufbuild/protobuf";
import type { NodeServerRequest } from "../gateway/node-http-types.js";
import { requestTarget } from "../gateway/request-url.js";
import type { RouteTable } from "../gateway/route-table.js";

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

/**
 * Indexes the registered RPCs (their request paths) once, next to the REST route table the gateway
 * serves by, so that the transport guards can tell what a request is for.
 */
export function createRequestTargets(handlers: Iterable<{ readonly requestPath: string; readonly method: DescMethod }>, table: RouteTable): RequestTargets {
  const byPath = new Map([...handlers].map((handler) => [handler.requestPath, handler.method]));
  // Several guards, the adapter and the request log ask about the same request: it is routed once, and
  // the answer is kept on the request itself (a WeakMap entry per request was a measurable GC cost).
  const resolved = (req: NodeServerRequest): Resolved => {
    const carrier = req as NodeServerRequest & { [resolvedTarget]?: Resolved };
    let found = carrier[resolvedTarget];
    if (found === undefined) {
      found = resolve(req);
      carrier[resolvedTarget] = found;
    }
    return found;
  };
  const resolve = (req: NodeServerRequest): Resolved => {
    const target = req.url ?? "";
    const queryAt = target.indexOf("?");
    const rpc = byPath.get(queryAt < 0 ? target : target.slice(0, queryAt));
    if (rpc !== undefined) return { isRpcPath: true, method: rpc };
    const url = requestTarget(req.url);
    if (url === undefined) return { isRpcPath: false, method: undefined };
    const match = table.match((req.method ?? "GET").toUpperCase(), url.pathname);
    return { isRpcPath: false, method: match.kind === "found" ? match.route.method : undefined };
  };
  return {
    isRpcPath: (req) => resolved(req).isRpcPath,
    methodOf: (req) => resolved(req).method,
  };
}

const resolvedTarget = Symbol("commander.resolvedTarget");

interface Resolved {
  readonly isRpcPath: boolean;
  readonly method: DescMethod | undefined;
}
