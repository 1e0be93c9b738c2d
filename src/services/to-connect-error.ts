import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { Logger } from "pino";
import { CommanderError } from "../domain/commander-error.js";
import { ApiError } from "../errors/api-error.js";
import { callLogger } from "./call-logger.js";

/** Turns any error into the ConnectError the client sees; bugs become INTERNAL without their details. */
export function toConnectError(error: unknown, logger: Logger | (() => Logger)): ConnectError {
  if (error instanceof CommanderError) return new ApiError(error.reason, error.message, { metadata: error.metadata });
  if (error instanceof ConnectError) return error;
  // The reason of a call's signal when its client went away (connect-node aborts it with no reason, so
  // a DOMException): a cancelled call, not a bug. The client no longer reads the answer anyway.
  if (error instanceof Error && error.name === "AbortError") return new ConnectError("the call was cancelled", Code.Canceled);
  (typeof logger === "function" ? logger() : logger).error({ err: error }, "unexpected error");
  return new ApiError("INTERNAL", "internal error; the daemon's log has the details");
}

type AnyMethod = (request: unknown, context: HandlerContext) => unknown;

/**
 * A service implementation whose every method turns its errors into the ConnectErrors clients see, over
 * every protocol alike: domain errors become their statuses, bugs INTERNAL (logged with the call's
 * request id). Done on the implementation rather than by an interceptor, so that calls made in process
 * (the REST gateway, the gRPC unary fast path) go through no interceptor chain.
 */
export function withErrorMapping<T extends object>(implementation: T, logger: Logger): T {
  const mapped: Record<string, AnyMethod> = {};
  for (const [name, method] of Object.entries(implementation as Record<string, AnyMethod>)) {
    if (typeof method !== "function") continue;
    mapped[name] = (request, context) => {
      let output: unknown;
      try {
        output = method.call(implementation, request, context);
      } catch (error) {
        throw toConnectError(error, lazyCallLogger(logger, context));
      }
      if (isAsyncIterable(output)) return mapStreamErrors(output, lazyCallLogger(logger, context));
      if (output instanceof Promise) return output.catch((error: unknown) => Promise.reject(toConnectError(error, lazyCallLogger(logger, context))));
      return output;
    };
  }
  return mapped as T;
}

/** The call's logger, made only if something is logged (made for every call, it was a measurable cost). */
function lazyCallLogger(logger: Logger, context: HandlerContext): () => Logger {
  return () => callLogger(logger, context.requestHeader);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

async function* mapStreamErrors<T>(messages: AsyncIterable<T>, logger: () => Logger): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    throw toConnectError(error, logger);
  }
}
