import { ApiError } from "../errors/api-error.js";
import type { NodeServerRequest } from "../gateway/node-http-types.js";
import type { RequestGuard } from "./request-guard.js";
import { wireProtocolOf } from "./write-transport-error.js";

// What the RPC adapter decompresses (connect-node's gzip and brotli), plus no compression at all.
const supported = new Set(["", "identity", "gzip", "br"]);

/**
 * A Connect unary call compressed with an encoding the daemon does not support gets 415
 * UNSUPPORTED_MEDIA_TYPE (RFC 9110 §15.5.16), where connect-es would answer 501: a client's choice is
 * not a server failure. gRPC and Connect streams are left to connect-es, which answers UNIMPLEMENTED in
 * their own status (HTTP 200).
 */
export function compressionGuard(isRpcPath: (req: NodeServerRequest) => boolean): RequestGuard {
  return (req) => {
    if (!isRpcPath(req) || wireProtocolOf(req, true) !== "connect-unary") return "pass";
    const encoding =
      req.method === "GET"
        ? new URLSearchParams((req.url ?? "").split("?", 2)[1] ?? "").get("compression")
        : [req.headers["content-encoding"]].flat()[0];
    const name = (encoding ?? "").trim().toLowerCase();
    if (supported.has(name)) return "pass";
    return new ApiError("UNSUPPORTED_MEDIA_TYPE", `unsupported compression ${JSON.stringify(name)}: use gzip or br`);
  };
}
