// The one catalogue of error reasons: every error the API returns carries one of these reasons (in a
// google.rpc.ErrorInfo detail of the `commander` domain) with the status code and HTTP status listed here,
// whichever layer raises it. It imports nothing, so the domain (which throws CommanderError with a
// reason) and the transport (which answers with the code and status) share it. The error table of
// docs/errors.md is generated from it (`npm run docs:errors`) and checked against it by test/docs/errors-page.test.ts.

/** The `google.rpc.ErrorInfo` domain of every error the daemon raises. */
export const ERROR_DOMAIN = "commander";

export type StatusCodeName =
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "FAILED_PRECONDITION"
  | "RESOURCE_EXHAUSTED"
  | "OUT_OF_RANGE"
  | "UNAUTHENTICATED"
  | "PERMISSION_DENIED"
  | "DEADLINE_EXCEEDED"
  | "UNAVAILABLE"
  | "UNIMPLEMENTED"
  | "INTERNAL";

export interface CatalogueEntry {
  /** The gRPC status code (also the Connect code, and `code` of a REST error body). */
  code: StatusCodeName;
  /**
   * The HTTP status over REST and Connect unary: grpc-gateway's mapping of the code
   * (src/gateway/http-status.ts), except where HTTP has a more precise status (405, 413, 415).
   */
  http: number;
  /** One sentence for the table in docs/errors.md: when a client gets it. */
  description: string;
}

export const ERROR_CATALOGUE = {
  // Raised by the rules and the services: the domain throws them as CommanderError.
  INVALID_ARGUMENT: { code: "INVALID_ARGUMENT", http: 400, description: "A field is missing, malformed or out of range; the message names it." },
  INVALID_PATH: { code: "INVALID_ARGUMENT", http: 400, description: "The project path does not exist, is not a directory, or lies outside the allowed roots." },
  INVALID_RESOLUTION: { code: "INVALID_ARGUMENT", http: 400, description: "The resolution is not one of the event's options." },
  INVALID_DEPENDENCY: { code: "INVALID_ARGUMENT", http: 400, description: "A `depends_on` id is unknown, of another project, or would form a cycle." },
  UNKNOWN_RUNTIME: { code: "INVALID_ARGUMENT", http: 400, description: "The runtime is not one the daemon knows." },
  PROJECT_NOT_FOUND: { code: "NOT_FOUND", http: 404, description: "No project has this id." },
  SESSION_NOT_FOUND: { code: "NOT_FOUND", http: 404, description: "The project has no session (or no session has this id)." },
  WORK_NOT_FOUND: { code: "NOT_FOUND", http: 404, description: "No work item has this id (in this project)." },
  EVENT_NOT_FOUND: { code: "NOT_FOUND", http: 404, description: "No event has this id." },
  POLICY_RULE_NOT_FOUND: { code: "NOT_FOUND", http: 404, description: "The project's policy holds no such rule." },
  PROJECT_ALREADY_EXISTS: { code: "ALREADY_EXISTS", http: 409, description: "The directory or the chosen id is already registered." },
  SESSION_ALREADY_EXISTS: { code: "ALREADY_EXISTS", http: 409, description: "The project already has a session." },
  PROJECT_STATE_CONFLICT: { code: "FAILED_PRECONDITION", http: 400, description: "The project's current state does not allow this (the message names it)." },
  PROJECT_BUSY: { code: "FAILED_PRECONDITION", http: 400, description: "The project has work in progress; stop it first or pass `force`." },
  SESSION_STATE_CONFLICT: { code: "FAILED_PRECONDITION", http: 400, description: "The session's current state does not allow this (the message names it)." },
  WORK_STATE_CONFLICT: { code: "FAILED_PRECONDITION", http: 400, description: "The work item's current state does not allow this (the message names it)." },
  EVENT_STATE_CONFLICT: { code: "FAILED_PRECONDITION", http: 400, description: "The event's current status does not allow this (the message names it)." },
  RUNTIME_UNAVAILABLE: { code: "FAILED_PRECONDITION", http: 400, description: "The runtime's program or tmux cannot be launched on this machine." },
  SESSION_START_TIMEOUT: { code: "DEADLINE_EXCEEDED", http: 504, description: "The agent did not become ready in time." },
  PROJECT_LIMIT_REACHED: { code: "RESOURCE_EXHAUSTED", http: 429, description: "`max_projects` projects are already registered." },
  QUEUE_FULL: { code: "RESOURCE_EXHAUSTED", http: 429, description: "The project already has the maximum number of unfinished work items." },
  SUBSCRIBER_TOO_SLOW: { code: "RESOURCE_EXHAUSTED", http: 429, description: "A watcher fell too far behind; resume from the last sequence it received." },
  HISTORY_EXPIRED: { code: "OUT_OF_RANGE", http: 400, description: "The resume cursor is older than the retained change history; the message names the oldest available." },
  STATE_UNWRITABLE: { code: "UNAVAILABLE", http: 503, description: "The state could not be written (read-only or full disk); nothing was changed." },
  SHUTTING_DOWN: { code: "UNAVAILABLE", http: 503, description: "The daemon is shutting down." },
  NOTIFICATION_TARGET_NOT_FOUND: { code: "NOT_FOUND", http: 404, description: "No notification target has this name." },
  NOTIFICATION_TARGET_ALREADY_EXISTS: { code: "ALREADY_EXISTS", http: 409, description: "A notification target of this name exists." },
  NOTIFICATION_TARGET_FROM_CONFIG: { code: "FAILED_PRECONDITION", http: 400, description: "The notification target comes from the config file; change it there." },
  ANSWER_LINK_INVALID: { code: "PERMISSION_DENIED", http: 403, description: "The answer link is forged, altered, expired or used, or its event is no longer pending." },
  // Raised before a call reaches a service: the guards in front of every protocol and the REST gateway
  // (UNAUTHENTICATED also by the hook service, for a wrong hook secret).
  HTTP2_REQUIRED: { code: "FAILED_PRECONDITION", http: 400, description: "A bidirectional stream (gRPC reflection) was called over HTTP/1.1; it needs HTTP/2." },
  ROUTE_NOT_FOUND: { code: "NOT_FOUND", http: 404, description: "No REST route has this path." },
  METHOD_NOT_ALLOWED: { code: "UNIMPLEMENTED", http: 405, description: "The path exists with other methods (`Allow` lists them)." },
  MALFORMED_JSON: { code: "INVALID_ARGUMENT", http: 400, description: "The body is not valid JSON." },
  UNKNOWN_FIELD: { code: "INVALID_ARGUMENT", http: 400, description: "The body or query names a field the request does not have." },
  INVALID_FIELD_VALUE: { code: "INVALID_ARGUMENT", http: 400, description: "A field has a value of the wrong type." },
  UNSUPPORTED_MEDIA_TYPE: { code: "INVALID_ARGUMENT", http: 415, description: "The body is not `application/json` or has no `Content-Type`, a state-changing request has a form content type, or a Connect call is compressed with an encoding other than gzip or br." },
  BODY_TOO_LARGE: { code: "RESOURCE_EXHAUSTED", http: 413, description: "The request body exceeds the size limit." },
  TOO_MANY_STREAMS: { code: "RESOURCE_EXHAUSTED", http: 429, description: "The client (remote address) already has `max_streams_per_client` streams open." },
  UNAUTHENTICATED: { code: "UNAUTHENTICATED", http: 401, description: "A missing or wrong token (or hook secret)." },
  FORBIDDEN_ORIGIN: { code: "PERMISSION_DENIED", http: 403, description: "The request has an `Origin` not listed in `allowed_origins` (a cross-site browser request)." },
  HOST_NOT_ALLOWED: { code: "PERMISSION_DENIED", http: 403, description: "The `Host` header is not the daemon's own address, a loopback name or in `allowed_hosts` (DNS rebinding)." },
  // Anything else: a bug.
  INTERNAL: { code: "INTERNAL", http: 500, description: "A bug; the daemon's log has the details." },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorReason = keyof typeof ERROR_CATALOGUE;

/** Whether a string (an ErrorInfo reason read from the wire) is one of the catalogue's. */
export function isErrorReason(reason: string): reason is ErrorReason {
  return Object.hasOwn(ERROR_CATALOGUE, reason);
}
