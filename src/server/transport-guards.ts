import type { DescMethod } from "@bufbuild/protobuf";
import { compressionGuard } from "./compression-guard.js";
import { formPostGuard } from "./form-post-guard.js";
import { hostGuard } from "./host-guard.js";
import { http2StreamGuard } from "./http2-stream-guard.js";
import { originGuard } from "./origin-guard.js";
import type { NodeServerRequest } from "../gateway/node-http-types.js";
import type { RequestGuard } from "./request-guard.js";
import type { RequestTargets } from "./request-targets.js";
import { streamLimitGuard } from "./stream-limit-guard.js";
import { tokenGuard } from "./token-guard.js";

export interface TransportGuardOptions {
  /** When set, only requests whose Host is one of these names (any port) are served: the DNS-rebinding defence. */
  readonly allowedHosts?: readonly string[];
  /** Browser origins allowed to call (with CORS); a request with any other `Origin` is refused. Default none. */
  readonly allowedOrigins?: readonly string[];
  /** When non-empty, every request needs `Authorization: Bearer <token>`, except calls to `unauthenticatedMethods`. */
  readonly token?: string;
  /** RPCs that authenticate themselves (over every protocol and their REST routes). */
  readonly unauthenticatedMethods?: readonly DescMethod[];
  /** Most open streams per client (remote address); unlimited when unset. */
  readonly maxStreamsPerClient?: number;
  /** Requests served without the token (the dashboard's page and assets); Host and Origin still apply. */
  readonly isPublic?: (req: NodeServerRequest) => boolean;
}

/**
 * The checks every request passes before routing, in this order: the Host (DNS rebinding), the Origin
 * (cross-site pages; CORS preflights end here), form posts, the token, bidirectional streams over
 * HTTP/1.1, unsupported Connect compression, the open-stream limit. Preflights
 * are answered before the token check because browsers never send credentials with them.
 */
export function transportGuards(options: TransportGuardOptions, targets: RequestTargets): RequestGuard[] {
  const guards: RequestGuard[] = [];
  if (options.allowedHosts !== undefined) guards.push(hostGuard(options.allowedHosts));
  // The dashboard calls from the daemon's own origin; that is safe only once the Host is known to be ours.
  guards.push(originGuard(options.allowedOrigins ?? [], { allowSameOrigin: options.allowedHosts !== undefined }), formPostGuard());
  if (options.token !== undefined && options.token !== "") {
    const exempt = new Set((options.unauthenticatedMethods ?? []).map(methodKey));
    guards.push(
      tokenGuard({
        token: options.token,
        isExempt: (req) => {
          if (options.isPublic?.(req) === true) return true;
          const method = targets.methodOf(req);
          return method !== undefined && exempt.has(methodKey(method));
        },
      }),
    );
  }
  guards.push(
    http2StreamGuard((req) => targets.methodOf(req)?.methodKind === "bidi_streaming"),
    compressionGuard((req) => targets.isRpcPath(req)),
  );
  if (options.maxStreamsPerClient !== undefined) {
    guards.push(
      streamLimitGuard({
        maxPerClient: options.maxStreamsPerClient,
        isStream: (req) => {
          const kind = targets.methodOf(req)?.methodKind;
          return kind !== undefined && kind !== "unary";
        },
      }),
    );
  }
  return guards;
}

function methodKey(method: DescMethod): string {
  return `${method.parent.typeName}/${method.name}`;
}
