import * as http2 from "node:http2";
import type { Logger } from "pino";
import type { NodeHandlerFn, NodeServerRequest } from "../gateway/node-http-types.js";

export interface BodyDeadlineOptions {
  /** Time allowed for a whole request body to arrive. */
  readonly timeoutMs: number;
  /** Requests whose body is a stream of messages without end in sight (client or bidirectional streaming RPCs). */
  readonly isOpenEnded: (req: NodeServerRequest) => boolean;
  readonly logger: Logger;
}

/**
 * Bounds the time an HTTP/2 request body may take: a body that has not ended `timeoutMs` after its
 * headers is cut, with 408 when no response has started, else by resetting the stream. Node's HTTP/1.1
 * server does the same through its `requestTimeout`; its HTTP/2 server has no such limit, so a stream
 * whose body never ends would hold its handler (and the stream limit's slot) for as long as the client likes.
 */
export function withBodyDeadline(handler: NodeHandlerFn, options: BodyDeadlineOptions): NodeHandlerFn {
  return (req, res) => {
    const stream = req.httpVersionMajor >= 2 ? (req as http2.Http2ServerRequest).stream : undefined;
    if (stream !== undefined && !stream.endAfterHeaders && !options.isOpenEnded(req)) {
      const timer = setTimeout(() => {
        // The body may have arrived whole without the handler reading it (a GET answered with a stream).
        if (stream.destroyed || stream.state.remoteClose) return;
        options.logger.info(
          { method: req.method, path: (req.url ?? "").split("?", 1)[0], remote: req.socket?.remoteAddress, requestId: req.headers["x-request-id"], timeoutMs: options.timeoutMs },
          "request body timed out",
        );
        if (res.headersSent) {
          stream.close(http2.constants.NGHTTP2_CANCEL);
          return;
        }
        res.writeHead(408, { "content-type": "text/plain; charset=utf-8" });
        // The request side is still open: reset it once the answer is out (RFC 9113 §8.1).
        res.end(`request body not received within ${options.timeoutMs / 1000} s\n`, () => stream.close(http2.constants.NGHTTP2_NO_ERROR));
      }, options.timeoutMs);
      req.once("end", () => clearTimeout(timer));
      res.once("close", () => clearTimeout(timer));
    }
    handler(req, res);
  };
}
