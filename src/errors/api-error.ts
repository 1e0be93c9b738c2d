import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import { ERROR_CATALOGUE, ERROR_DOMAIN, isErrorReason, type ErrorReason, type StatusCodeName } from "./error-catalogue.js";

const CODES: Readonly<Record<StatusCodeName, Code>> = {
  INVALID_ARGUMENT: Code.InvalidArgument,
  NOT_FOUND: Code.NotFound,
  ALREADY_EXISTS: Code.AlreadyExists,
  FAILED_PRECONDITION: Code.FailedPrecondition,
  RESOURCE_EXHAUSTED: Code.ResourceExhausted,
  OUT_OF_RANGE: Code.OutOfRange,
  UNAUTHENTICATED: Code.Unauthenticated,
  PERMISSION_DENIED: Code.PermissionDenied,
  DEADLINE_EXCEEDED: Code.DeadlineExceeded,
  UNAVAILABLE: Code.Unavailable,
  UNIMPLEMENTED: Code.Unimplemented,
  INTERNAL: Code.Internal,
};

export interface ApiErrorOptions {
  /** ErrorInfo metadata, such as the offending field or id. */
  metadata?: Record<string, string>;
  /** Extra response headers over HTTP, such as `Allow` for a 405 or `WWW-Authenticate` for a 401. */
  headers?: Record<string, string>;
}

/**
 * The error of a catalogue reason as the API answers it: a ConnectError whose code, HTTP status and
 * `google.rpc.ErrorInfo` (reason, `commander` domain, metadata) all come from the reason. Every error the
 * daemon raises on purpose, whichever layer finds it, is one of these.
 */
export class ApiError extends ConnectError {
  readonly reason: ErrorReason;
  readonly httpStatus: number;
  readonly headers: Record<string, string>;

  // ConnectError's own `instanceof` accepts any error named "ConnectError" (so that errors from another
  // copy of the library pass), which would make every ConnectError an ApiError: use the prototype chain.
  // The name stays "ConnectError" for the same reason, so that connect-es takes this for one of its own.
  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }

  constructor(reason: ErrorReason, message: string, options: ApiErrorOptions = {}) {
    const entry = ERROR_CATALOGUE[reason];
    super(message, CODES[entry.code], undefined, [
      { desc: ErrorInfoSchema, value: { reason, domain: ERROR_DOMAIN, metadata: options.metadata ?? {} } },
    ]);
    this.reason = reason;
    this.httpStatus = entry.http;
    this.headers = options.headers ?? {};
  }
}

/**
 * The catalogue reason an error carries: its own, or the one in its ErrorInfo of the `commander` domain
 * (an error that crossed a transport, such as the REST gateway's in-memory calls, arrives as a plain
 * ConnectError with the detail still encoded).
 */
export function errorReasonOf(error: ConnectError): ErrorReason | undefined {
  if (error instanceof ApiError) return error.reason;
  for (const info of error.findDetails(ErrorInfoSchema)) {
    if (info.domain === ERROR_DOMAIN && isErrorReason(info.reason)) return info.reason;
  }
  return undefined;
}
