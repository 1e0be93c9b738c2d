import type { Logger } from "pino";
import { REQUEST_ID_HEADER } from "../server/with-request-log.js";

/** `logger` for the lines written while handling one call: they carry the call's request id. */
export function callLogger(logger: Logger, requestHeader: Headers): Logger {
  const requestId = requestHeader.get(REQUEST_ID_HEADER);
  return requestId === null ? logger : logger.child({ requestId });
}
