// The one catalogue of error reasons. Every error the API returns carries one of these reasons (in a
// google.rpc.ErrorInfo detail) and the status code listed here; the README's error table is checked
// against this list by a test.

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
  code: StatusCodeName;
  description: string;
}

export const ERROR_CATALOGUE = {
  INVALID_ARGUMENT: { code: "INVALID_ARGUMENT", description: "A field is missing, malformed or out of range; the message names it." },
  INVALID_PATH: { code: "INVALID_ARGUMENT", description: "The project path does not exist, is not a directory, or lies outside the allowed roots." },
  INVALID_RESOLUTION: { code: "INVALID_ARGUMENT", description: "The resolution is not one of the event's options." },
  INVALID_DEPENDENCY: { code: "INVALID_ARGUMENT", description: "A `depends_on` id is unknown, of another project, or would form a cycle." },
  UNKNOWN_RUNTIME: { code: "INVALID_ARGUMENT", description: "The runtime is not one the daemon knows." },
  PROJECT_NOT_FOUND: { code: "NOT_FOUND", description: "No project has this id." },
  SESSION_NOT_FOUND: { code: "NOT_FOUND", description: "The project has no session (or no session has this id)." },
  WORK_NOT_FOUND: { code: "NOT_FOUND", description: "No work item has this id (in this project)." },
  EVENT_NOT_FOUND: { code: "NOT_FOUND", description: "No event has this id." },
  PROJECT_ALREADY_EXISTS: { code: "ALREADY_EXISTS", description: "The directory or the chosen id is already registered." },
  SESSION_ALREADY_EXISTS: { code: "ALREADY_EXISTS", description: "The project already has a session." },
  PROJECT_STATE_CONFLICT: { code: "FAILED_PRECONDITION", description: "The project's current state does not allow this (the message names it)." },
  PROJECT_BUSY: { code: "FAILED_PRECONDITION", description: "The project has work in progress; stop it first or pass `force`." },
  SESSION_STATE_CONFLICT: { code: "FAILED_PRECONDITION", description: "The session's current state does not allow this (the message names it)." },
  WORK_STATE_CONFLICT: { code: "FAILED_PRECONDITION", description: "The work item's current state does not allow this (the message names it)." },
  EVENT_STATE_CONFLICT: { code: "FAILED_PRECONDITION", description: "The event's current status does not allow this (the message names it)." },
  RUNTIME_UNAVAILABLE: { code: "FAILED_PRECONDITION", description: "The runtime's program or tmux cannot be launched on this machine." },
  SESSION_START_TIMEOUT: { code: "DEADLINE_EXCEEDED", description: "The agent did not become ready in time." },
  PROJECT_LIMIT_REACHED: { code: "RESOURCE_EXHAUSTED", description: "`max_projects` projects are already registered." },
  QUEUE_FULL: { code: "RESOURCE_EXHAUSTED", description: "The project already has the maximum number of unfinished work items." },
  TOO_MANY_STREAMS: { code: "RESOURCE_EXHAUSTED", description: "The client (remote address) already has `max_streams_per_client` streams open." },
  SUBSCRIBER_TOO_SLOW: { code: "RESOURCE_EXHAUSTED", description: "A watcher fell too far behind; resume from the last sequence it received." },
  BODY_TOO_LARGE: { code: "RESOURCE_EXHAUSTED", description: "The request body exceeds the size limit (HTTP 413)." },
  HISTORY_EXPIRED: { code: "OUT_OF_RANGE", description: "The resume cursor is older than the retained change history; the message names the oldest available." },
  UNAUTHENTICATED: { code: "UNAUTHENTICATED", description: "A missing or wrong token (or hook secret)." },
  FORBIDDEN_ORIGIN: { code: "PERMISSION_DENIED", description: "The request has an `Origin` not listed in `allowed_origins` (a cross-site browser request)." },
  HOST_NOT_ALLOWED: { code: "PERMISSION_DENIED", description: "The `Host` header is not the daemon's own address, a loopback name or in `allowed_hosts` (DNS rebinding)." },
  STATE_UNWRITABLE: { code: "UNAVAILABLE", description: "The state could not be written (read-only or full disk); nothing was changed." },
  SHUTTING_DOWN: { code: "UNAVAILABLE", description: "The daemon is shutting down." },
  HTTP2_REQUIRED: { code: "FAILED_PRECONDITION", description: "A bidirectional stream (gRPC reflection) was called over HTTP/1.1; it needs HTTP/2." },
  ROUTE_NOT_FOUND: { code: "NOT_FOUND", description: "No REST route has this path." },
  METHOD_NOT_ALLOWED: { code: "UNIMPLEMENTED", description: "The path exists with other methods (HTTP 405, `Allow` lists them)." },
  MALFORMED_JSON: { code: "INVALID_ARGUMENT", description: "The body is not valid JSON." },
  UNKNOWN_FIELD: { code: "INVALID_ARGUMENT", description: "The body or query names a field the request does not have." },
  INVALID_FIELD_VALUE: { code: "INVALID_ARGUMENT", description: "A field has a value of the wrong type." },
  UNSUPPORTED_MEDIA_TYPE: { code: "INVALID_ARGUMENT", description: "The body is not `application/json`, a state-changing request has a form content type, or a Connect call is compressed with an encoding other than gzip or br (HTTP 415)." },
  INTERNAL: { code: "INTERNAL", description: "A bug; the daemon's log has the details." },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorReason = keyof typeof ERROR_CATALOGUE;

/** The error every domain rule throws; the transport turns it into a status with an ErrorInfo reason. */
export class CommanderError extends Error {
  readonly code: StatusCodeName;

  constructor(
    readonly reason: ErrorReason,
    message: string,
    readonly metadata: Record<string, string> = {},
  ) {
    super(message);
    this.name = "CommanderError";
    this.code = ERROR_CATALOGUE[reason].code;
  }
}

/** An invalid field: the message starts with the field's API name, as in `project_id: must not be empty`. */
export function invalidField(field: string, problem: string): CommanderError {
  return new CommanderError("INVALID_ARGUMENT", `${field}: ${problem}`, { field });
}
