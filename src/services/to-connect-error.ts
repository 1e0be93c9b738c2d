import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { CommanderError } from "../domain/commander-error.js";
import { ApiError } from "../errors/api-error.js";
import { callLogger } from "./call-logger.js";

/** Turns any error into the ConnectError the client sees; bugs become INTERNAL without their details. */
export function toConnectError(error: unknown, logger: Logger): ConnectError {
  if (error instanceof CommanderError) return new ApiError(error.reason, error.message, { metadata: error.metadata });
  if (error instanceof ConnectError) return error;
  // The reason of a call's signal when its client went away (connect-node aborts it with no reason, so
  // a DOMException): a cancelled call, not a bug. The client no longer reads the answer anyway.
  if (error instanceof Error && error.name === "AbortError") return new ConnectError("the call was cancelled", Code.Canceled);
  logger.error({ err: error }, "unexpected error");
  return new ApiError("INTERNAL", "internal error; the daemon's log has the details");
}

/** One place where domain errors become statuses, for unary calls and for errors in the middle of a stream. */
export function createErrorInterceptor(logger: Logger): Interceptor {
  return (next) => async (request) => {
    // Made only when an error is logged: reading the headers and making a child logger on every call
    // was a measurable share of a small call.
    const log = () => callLogger(logger, request.header);
    try {
      const response = await next(request);
      if (!response.stream) return response;
      return { ...response, message: mapStreamErrors(response.message, log) };
    } catch (error) {
      throw toConnectError(error, log());
    }
  };
}

async function* mapStreamErrors<T>(messages: AsyncIterable<T>, logger: () => Logger): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    throw toConnectError(error, logger());
  }
}
