import { ApiError } from "../errors/api-error.js";
import type { NodeServerRequest } from "../gateway/node-http-types.js";
import type { RequestGuard } from "./request-guard.js";

/**
 * A bidirectional stream (gRPC reflection) needs HTTP/2: over HTTP/1.1 the request body must end before
 * the response can start. connect-es answers such a call with a bare 505; the daemon answers it like
 * any other request it cannot serve as sent, FAILED_PRECONDITION (400) HTTP2_REQUIRED, in the client's protocol.
 */
export function http2StreamGuard(isBidiStream: (req: NodeServerRequest) => boolean): RequestGuard {
  return (req) => {
    if (req.httpVersionMajor >= 2 || !isBidiStream(req)) return "pass";
    return new ApiError("HTTP2_REQUIRED", "bidirectional streaming needs HTTP/2 (h2c with prior knowledge, as gRPC clients use)");
  };
}
