import { create, createRegistry, fromBinary, toJson } from "@bufbuild/protobuf";
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, file_google_rpc_error_details } from "../../gen/es/google/rpc/error_details_pb.js";
import { httpStatusFromCode } from "./http-status.js";

/** The ErrorInfo domain of the errors the gateway raises itself. */
export const GATEWAY_ERROR_DOMAIN = "commander";

/** ErrorInfo reasons of failures found before a call reaches a service (listed in README-gateway.md). */
export const GATEWAY_REASONS = [
  "ROUTE_NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "MALFORMED_JSON",
  "UNKNOWN_FIELD",
  "INVALID_FIELD_VALUE",
  "BODY_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "HOST_NOT_ALLOWED",
  "FORBIDDEN_ORIGIN",
  "UNAUTHENTICATED",
  "TOO_MANY_STREAMS",
  "HTTP2_REQUIRED",
] as const;

export type GatewayReason = (typeof GATEWAY_REASONS)[number];

/** `google.rpc.Status` as JSON: the body of every REST error. */
export interface RestStatus {
  code: number;
  message: string;
  details: JsonObject[];
}

export interface GatewayErrorOptions {
  /** Overrides the status derived from the code (413 for a body that is too large). */
  httpStatus?: number;
  /** Extra response headers, such as `Allow` for a 405. */
  headers?: Record<string, string>;
  /** ErrorInfo metadata, such as the offending field. */
  metadata?: Record<string, string>;
}

/** A ConnectError with an ErrorInfo in the `commander` domain, raised by the gateway itself. */
export class GatewayError extends ConnectError {
  readonly httpStatus: number | undefined;
  readonly headers: Record<string, string>;

  constructor(code: Code, reason: GatewayReason, message: string, options: GatewayErrorOptions = {}) {
    const info = { reason, domain: GATEWAY_ERROR_DOMAIN, metadata: options.metadata ?? {} };
    super(message, code, undefined, [{ desc: ErrorInfoSchema, value: info }]);
    this.httpStatus = options.httpStatus;
    this.headers = options.headers ?? {};
  }
}

const detailRegistry = createRegistry(file_google_rpc_error_details);
const detailJsonOptions = { useProtoFieldName: true, alwaysEmitImplicit: true } as const;

/**
 * Converts anything thrown while serving a REST call into a ConnectError. A ConnectError (from the
 * gateway or from a service) is kept as it is; anything else is a bug, reported to the client as a
 * generic INTERNAL so that no stack trace or internal message leaks. `onUnexpected` lets the caller log it.
 */
export function asConnectError(reason: unknown, onUnexpected: (reason: unknown) => void): ConnectError {
  if (reason instanceof ConnectError) {
    return reason;
  }
  onUnexpected(reason);
  return new ConnectError("internal error", Code.Internal);
}

/** The HTTP status of a REST error. */
export function restErrorStatus(err: ConnectError): number {
  if (err instanceof GatewayError && err.httpStatus !== undefined) {
    return err.httpStatus;
  }
  return httpStatusFromCode(err.code);
}

/** Extra headers of a REST error response. */
export function restErrorHeaders(err: ConnectError): Record<string, string> {
  return err instanceof GatewayError ? err.headers : {};
}

/**
 * The one rendering of errors for REST, grpc-gateway style: `{"code", "message", "details"}` where each
 * known detail (ErrorInfo, BadRequest, ...) is its JSON with an `@type`, as `google.protobuf.Any` is.
 */
export function restStatusJson(err: ConnectError): RestStatus {
  return { code: err.code, message: err.rawMessage, details: renderDetails(err) };
}

function renderDetails(err: ConnectError): JsonObject[] {
  const rendered: JsonObject[] = [];
  for (const detail of err.details) {
    if ("desc" in detail) {
      const json = toJson(detail.desc, create(detail.desc, detail.value), detailJsonOptions);
      rendered.push(withType(detail.desc.typeName, json));
      continue;
    }
    const desc = detailRegistry.getMessage(detail.type);
    if (desc === undefined) {
      continue;
    }
    try {
      rendered.push(withType(desc.typeName, toJson(desc, fromBinary(desc, detail.value), detailJsonOptions)));
    } catch {
      // A detail that does not decode is dropped rather than failing the whole error response.
    }
  }
  return rendered;
}

function withType(typeName: string, json: JsonValue): JsonObject {
  const fields = json !== null && typeof json === "object" && !Array.isArray(json) ? json : {};
  return { "@type": `type.googleapis.com/${typeName}`, ...fields };
}
