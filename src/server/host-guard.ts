import { Code } from "@connectrpc/connect";
import type { NodeHandlerFn } from "../gateway/node-http-types.js";
import { GatewayError, restStatusJson } from "../gateway/rest-errors.js";

/**
 * Wraps a handler so that only requests addressed to one of `allowedHosts` (host names, any port) are
 * served; others get 403 HOST_NOT_ALLOWED. A defence against DNS rebinding for a daemon on localhost.
 */
export function guardHosts(handler: NodeHandlerFn, allowedHosts: readonly string[]): NodeHandlerFn {
  const allowed = new Set(allowedHosts.map((host) => host.toLowerCase()));
  return (req, res) => {
    const authority = req.headers[":authority"] ?? req.headers.host;
    const host = hostName(Array.isArray(authority) ? authority[0] : authority);
    if (host !== undefined && allowed.has(host)) {
      handler(req, res);
      return;
    }
    const error = new GatewayError(Code.PermissionDenied, "HOST_NOT_ALLOWED", `host ${host ?? "(none)"} is not allowed`);
    const body = JSON.stringify(restStatusJson(error));
    res.writeHead(403, { "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(body)) });
    res.end(body);
  };
}

function hostName(authority: string | undefined): string | undefined {
  if (authority === undefined || authority === "") {
    return undefined;
  }
  const host = authority.startsWith("[") ? authority.slice(1, authority.indexOf("]")) : authority.split(":")[0];
  return host.toLowerCase();
}
