import { create, createRegistry, fromBinary, toJson } from "@bufbuild/protobuf";
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { file_google_rpc_error_details } from "../../gen/es/google/rpc/error_details_pb.js";
import { ApiError, errorReasonOf } from "../errors/api-error.js";
import { ERROR_CATALOGUE } from "../errors/error-catalogue.js";
import { httpStatusFromCode } from "./http-status.js";

/** `google.rpc.Status` as JSON: the body of every REST error. */
export interface RestStatus {
  code: number;
  message: string;
  details: JsonObject[];
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
  return new ApiError("INTERNAL", "internal error");
}

/**
 * The HTTP status of an error over REST (and Connect unary): its catalogue reason's, else grpc-gateway's
 * for its code (an error connect-es raised itself, or a cancelled call).
 */
export function restErrorStatus(err: ConnectError): number {
  const reason = errorReasonOf(err);
  return reason === undefined ? httpStatusFromCode(err.code) : ERROR_CATALOGUE[reason].http;
}

/** Extra headers of a REST error response. */
export function restErrorHeaders(err: ConnectError): Record<string, string> {
  return err instanceof ApiError ? err.headers : {};
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
