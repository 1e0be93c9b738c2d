import type { ConnectError } from "@connectrpc/connect";
import type { NodeServerResponse } from "./node-http-types.js";
import { restStatusJson } from "./rest-errors.js";

export interface RestStreamOptions<T> {
  readonly res: NodeServerResponse;
  readonly messages: AsyncIterable<T>;
  /** Server-Sent Events instead of newline-delimited JSON. */
  readonly sse: boolean;
  /** Interval of the SSE `: keep-alive` comments. */
  readonly keepAliveMs: number;
  /** How long to hold the headers back waiting for the first message, the end, or an early error. */
  readonly headerGraceMs: number;
  readonly headers: Record<string, string>;
  /** A message as JSON text. */
  readonly render: (message: T) => string;
  /** The SSE `id:` of a message (its sequence number), if it has one. */
  readonly eventId: (message: T) => string | undefined;
  readonly toError: (reason: unknown) => ConnectError;
  readonly isClosed: () => boolean;
}

type Early<T> = { result: IteratorResult<T> } | { error: unknown } | undefined;

/**
 * Writes a server stream over REST. NDJSON (grpc-gateway): one `{"result": ...}` line per message and a
 * final `{"error": <status>}` line if the stream fails. SSE: `id:` + `data:` per message, a
 * `: keep-alive` comment every `keepAliveMs`, and `event: error` + `data: <status>` if the stream fails.
 *
 * The headers wait for the first message, the end of the stream or `headerGraceMs`, whichever comes
 * first, so that an error raised right away (NOT_FOUND, ...) still gets its HTTP status: in that case
 * this function rejects with the error and writes nothing.
 */
export async function writeRestStream<T>(options: RestStreamOptions<T>): Promise<void> {
  const { res, sse } = options;
  const iterator = options.messages[Symbol.asyncIterator]();
  const first = iterator.next();
  const early = await settleWithin(first, options.headerGraceMs);
  if (early !== undefined && "error" in early) {
    throw early.error;
  }
  res.writeHead(200, {
    ...options.headers,
    "content-type": sse ? "text/event-stream; charset=utf-8" : "application/x-ndjson; charset=utf-8",
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
  });
  (res as { flushHeaders?: () => void }).flushHeaders?.();
  const keepAlive = sse ? setInterval(() => write(res, ": keep-alive\n\n", options.isClosed), options.keepAliveMs) : undefined;
  try {
    let result = early === undefined ? await first : early.result;
    while (!result.done && !options.isClosed()) {
      const json = options.render(result.value);
      const frame = sse ? sseFrame(options.eventId(result.value), json) : `{"result":${json}}\n`;
      if (!write(res, frame, options.isClosed)) {
        await drained(res, options.isClosed);
      }
      result = await iterator.next();
    }
  } catch (reason) {
    if (!options.isClosed()) {
      const status = JSON.stringify(restStatusJson(options.toError(reason)));
      write(res, sse ? `event: error\ndata: ${status}\n\n` : `{"error":${status}}\n`, options.isClosed);
    }
  } finally {
    clearInterval(keepAlive);
    if (!options.isClosed()) {
      res.end();
    }
  }
}

function sseFrame(id: string | undefined, json: string): string {
  return `${id === undefined ? "" : `id: ${id}\n`}data: ${json}\n\n`;
}

function write(res: NodeServerResponse, chunk: string, isClosed: () => boolean): boolean {
  return isClosed() ? true : res.write(chunk);
}

function drained(res: NodeServerResponse, isClosed: () => boolean): Promise<void> {
  if (isClosed()) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

function settleWithin<T>(promise: Promise<IteratorResult<T>>, ms: number): Promise<Early<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    promise.then(
      (result) => {
        clearTimeout(timer);
        resolve({ result });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ error });
      },
    );
  });
}
