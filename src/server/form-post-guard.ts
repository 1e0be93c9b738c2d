import { ApiError } from "../errors/api-error.js";
import type { RequestGuard } from "./request-guard.js";

// The content types a web page can send cross-site without a CORS preflight (an HTML form, or fetch in
// "no-cors" mode): https://fetch.spec.whatwg.org/#cors-safelisted-request-header
const formTypes = new Set(["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"]);
const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * No state-changing route can be reached by a simple cross-site form post, even without the Origin
 * check: a POST, PUT, PATCH or DELETE with a form content type is refused (415 UNSUPPORTED_MEDIA_TYPE),
 * whatever its body. Every route that changes state takes JSON (or a gRPC/Connect type), which a
 * cross-site page can only send after a preflight that the origin guard refuses. GET routes change nothing.
 */
export function formPostGuard(): RequestGuard {
  return (req) => {
    if (safeMethods.has((req.method ?? "GET").toUpperCase())) return "pass";
    const header = req.headers["content-type"];
    const mediaType = (Array.isArray(header) ? header[0] : header)?.split(";", 1)[0].trim().toLowerCase();
    if (mediaType === undefined || !formTypes.has(mediaType)) return "pass";
    return new ApiError("UNSUPPORTED_MEDIA_TYPE", `content type "${mediaType}" is not accepted on ${req.method} requests: send application/json`, {
      metadata: { header: "Content-Type" },
    });
  };
}
