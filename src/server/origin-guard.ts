import { cors } from "@connectrpc/connect";
import { ApiError } from "../errors/api-error.js";
import type { NodeServerRequest, NodeServerResponse } from "../gateway/node-http-types.js";
import type { RequestGuard } from "./request-guard.js";

// Besides what Connect, gRPC-Web and REST need (connect-es `cors`): the token, SSE resumption, request ids.
const allowedHeaders = [...cors.allowedHeaders, "Authorization", "Last-Event-ID", "X-Request-Id"].join(", ");
const exposedHeaders = [...cors.exposedHeaders, "X-Request-Id", "Allow", "WWW-Authenticate"].join(", ");
const allowedMethods = [...new Set([...cors.allowedMethods, "DELETE"])].join(", ");

/**
 * Browsers add `Origin` to every cross-origin request (and to every non-GET request), so a request with
 * an `Origin` outside `allowedOrigins` comes from a web page the user did not choose: it is refused with
 * 403 FORBIDDEN_ORIGIN before anything runs. A configured origin gets CORS headers, and its preflight
 * (`OPTIONS` with `Access-Control-Request-Method`) is answered here; nothing else gets CORS headers.
 * Origins are compared exactly (scheme, host and port), as browsers send them.
 *
 * With `allowSameOrigin` (set only when the Host guard runs first), a request whose Origin names the very
 * host and port it is addressed to comes from the daemon's own dashboard and passes without CORS headers.
 * A rebinding page cannot use this: its Host is the attacker's name, which the Host guard refuses.
 */
export function originGuard(allowedOrigins: readonly string[], options: { allowSameOrigin?: boolean } = {}): RequestGuard {
  const allowed = new Set(allowedOrigins.map(normalizeOrigin));
  return (req, res) => {
    const header = req.headers.origin;
    const origin = Array.isArray(header) ? header[0] : header;
    if (origin === undefined) return "pass";
    if (options.allowSameOrigin === true && isSameOrigin(req, origin)) return "pass";
    if (!allowed.has(normalizeOrigin(origin))) {
      return new ApiError("FORBIDDEN_ORIGIN", `origin ${JSON.stringify(origin)} is not allowed; add it to allowed_origins`);
    }
    setCorsHeaders(res, origin);
    if (req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined) {
      res.writeHead(204, {
        "access-control-allow-methods": allowedMethods,
        "access-control-allow-headers": allowedHeaders,
        "access-control-max-age": "600",
        "content-length": "0",
      });
      res.end();
      return "answered";
    }
    return "pass";
  };
}

function setCorsHeaders(res: NodeServerResponse, origin: string): void {
  res.setHeader("access-control-allow-origin", origin);
  res.setHeader("access-control-expose-headers", exposedHeaders);
  res.setHeader("vary", "Origin");
}

function isSameOrigin(req: NodeServerRequest, origin: string): boolean {
  const authority = req.headers[":authority"] ?? req.headers.host;
  const host = (Array.isArray(authority) ? authority[0] : authority)?.trim().toLowerCase();
  if (host === undefined || host === "") return false;
  const normalized = normalizeOrigin(origin);
  // http, or https behind a TLS-terminating proxy that keeps the Host.
  return normalized === `http://${host}` || normalized === `https://${host}`;
}

function normalizeOrigin(origin: string): string {
  return origin.trim().toLowerCase().replace(/\/+$/, "");
}
