import type { NodeServerRequest } from "./node-http-types.js";
import { Code, ConnectError } from "@connectrpc/connect";
import { ApiError } from "../errors/api-error.js";

/**
 * Reads a request body up to `maxBytes`. A larger body (by `Content-Length` or as it streams in) is a
 * 413 RESOURCE_EXHAUSTED; reading stops there, so an oversized upload is never buffered.
 */
export function readRequestBody(req: NodeServerRequest, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new ApiError("BODY_TOO_LARGE", `request body exceeds ${maxBytes} bytes`, {
      metadata: { limit: String(maxBytes) },
    });
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onAborted);
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > maxBytes) {
        cleanup();
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new ConnectError(`request body not received: ${error.message}`, Code.Canceled));
    };
    const onAborted = () => onError(new Error("client went away"));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onAborted);
  });
}
