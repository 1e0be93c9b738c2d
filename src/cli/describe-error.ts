import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import { ExitCode, type ExitCodeValue } from "./exit-code.js";
import { CommandFailedError, PromptCancelledError, UsageError } from "./usage-error.js";

/** What to tell the user about a failed command, and the exit code to return. */
export interface ErrorReport {
  message: string;
  exitCode: ExitCodeValue;
}

// Failures to open a connection at all, as opposed to errors the daemon answered with.
const connectionFailureCodes = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ECONNRESET", "EPIPE"]);

export function describeError(err: unknown, daemonUrl: string | undefined): ErrorReport {
  if (err instanceof UsageError) return { message: `error: ${err.message}`, exitCode: ExitCode.usage };
  if (err instanceof CommandFailedError) return { message: `error: ${err.message}`, exitCode: ExitCode.apiError };
  if (err instanceof PromptCancelledError) return { message: "cancelled", exitCode: ExitCode.interrupted };
  if (isUnreachable(err)) {
    return {
      message: `error: cannot reach the Commander daemon at ${daemonUrl ?? "its address"}; start it with: commander daemon`,
      exitCode: ExitCode.unreachable,
    };
  }
  if (err instanceof ConnectError) {
    return { message: `error: ${err.rawMessage} (${errorReason(err)})`, exitCode: ExitCode.apiError };
  }
  return { message: `error: ${err instanceof Error ? err.message : String(err)}`, exitCode: ExitCode.apiError };
}

/** The ErrorInfo reason the daemon attached (`PROJECT_NOT_FOUND`), else the code's name (`NOT_FOUND`). */
export function errorReason(err: ConnectError): string {
  const [info] = err.findDetails(ErrorInfoSchema);
  if (info?.reason) return info.reason;
  return Code[err.code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/** True when the daemon could not be reached at all (nothing listening, unknown host, dropped connection). */
export function isUnreachable(err: unknown): boolean {
  if (err instanceof ConnectError && err.code !== Code.Unavailable && err.code !== Code.Aborted && err.code !== Code.Internal) {
    return false;
  }
  for (let cause: unknown = err, depth = 0; cause instanceof Error && depth < 10; cause = cause.cause, depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && connectionFailureCodes.has(code)) return true;
  }
  return false;
}
