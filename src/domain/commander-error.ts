import { ERROR_CATALOGUE, type ErrorReason, type StatusCodeName } from "../errors/error-catalogue.js";

/** The error every domain rule throws; the transport turns it into a status with an ErrorInfo reason. */
export class CommanderError extends Error {
  constructor(
    readonly reason: ErrorReason,
    message: string,
    readonly metadata: Record<string, string> = {},
  ) {
    super(message);
    this.name = "CommanderError";
  }

  /** The status code, from the catalogue: a throw site names only the reason. */
  get code(): StatusCodeName {
    return ERROR_CATALOGUE[this.reason].code;
  }
}

/** An invalid field: the message starts with the field's API name, as in `project_id: must not be empty`. */
export function invalidField(field: string, problem: string): CommanderError {
  return new CommanderError("INVALID_ARGUMENT", `${field}: ${problem}`, { field });
}
