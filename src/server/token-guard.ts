import { createHash, timingSafeEqual } from "node:crypto";
import { ApiError } from "../errors/api-error.js";
import type { NodeServerRequest } from "../gateway/node-http-types.js";
import type { RequestGuard } from "./request-guard.js";

export interface TokenGuardOptions {
  /** The bearer token every request must carry. */
  readonly token: string;
  /** Requests that authenticate otherwise (an agent's hook call carries its session's own secret). */
  readonly isExempt: (req: NodeServerRequest) => boolean;
}

/**
 * Every request must carry `Authorization: Bearer <token>` (RFC 6750), whatever its protocol; a missing
 * or wrong token is UNAUTHENTICATED (401), with the same answer in both cases. The comparison takes the
 * same time whatever the given value: both sides are hashed to a fixed length and compared with
 * `timingSafeEqual`, so neither the token's content nor its length leaks through timing.
 */
export function tokenGuard(options: TokenGuardOptions): RequestGuard {
  if (options.token === "") throw new TypeError("tokenGuard needs a non-empty token");
  const expected = digest(options.token);
  return (req) => {
    if (options.isExempt(req)) return "pass";
    const header = req.headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value ?? "");
    // A request without a token is compared too, so that the two failures cannot be told apart by time.
    const given = digest(match?.[1] ?? "");
    if (timingSafeEqual(given, expected) && match !== null) return "pass";
    return new ApiError("UNAUTHENTICATED", "unauthenticated", {
      headers: { "www-authenticate": 'Bearer realm="commander"' },
    });
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
