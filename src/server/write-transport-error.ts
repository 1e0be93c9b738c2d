import type { ConnectError } from "@connectrpc/connect";
import type { NodeServerRequest, NodeServerResponse } from "../gateway/node-http-types.js";
import { restErrorHeaders, restErrorStatus, restStatusJson } from "../gateway/rest-errors.js";
import { encodeEnvelope, endStreamFlag, endStreamToJson, errorToJson, setTrailerStatus, trailerFlag, trailerSerialize } from "./connect-internals.js";

/** The wire protocols a request can speak, each with its own way of carrying an error. */
export type WireProtocol = "grpc" | "grpc-web" | "connect-stream" | "connect-unary" | "rest";

/**
 * Which protocol a request speaks, from its Content-Type (as connect-es's handlers tell them apart) and
 * its path: a request to an RPC path that is neither gRPC, gRPC-Web nor a Connect stream is a Connect
 * unary call (POST, or GET with the message in the query); anything else is REST.
 */
export function wireProtocolOf(req: NodeServerRequest, isRpcPath: boolean): WireProtocol {
  const contentType = contentTypeOf(req);
  if (/^application\/grpc-web/i.test(contentType)) return "grpc-web";
  if (/^application\/grpc/i.test(contentType)) return "grpc";
  if (/^application\/connect\+/i.test(contentType)) return "connect-stream";
  return isRpcPath ? "connect-unary" : "rest";
}

/**
 * Answers a request refused before it reached the RPC layer (a transport guard) the way its protocol
 * expects an error, so every client sees a proper status: gRPC clients a `grpc-status` trailer, gRPC-Web
 * clients a trailer frame, Connect clients an error JSON (unary) or an end-of-stream message (streams),
 * REST clients a `google.rpc.Status` JSON with the HTTP status of the code.
 */
export function writeTransportError(
  req: NodeServerRequest,
  res: NodeServerResponse,
  error: ConnectError,
  isRpcPath: boolean,
  drainLimitBytes: number,
): void {
  const close: Record<string, string> = discardBody(req, drainLimitBytes) ? {} : { connection: "close" };
  const contentType = contentTypeOf(req);
  switch (wireProtocolOf(req, isRpcPath)) {
    case "grpc": {
      const status = headersToRecord(setTrailerStatus(new Headers(), error));
      if (req.httpVersionMajor >= 2) {
        res.writeHead(200, { "content-type": contentType });
        res.addTrailers(status);
      } else {
        // gRPC needs HTTP/2; over HTTP/1.1 the status goes in the headers (a "trailers-only" answer).
        res.writeHead(200, { ...close, "content-type": contentType, ...status });
      }
      res.end();
      return;
    }
    case "grpc-web": {
      const frame = encodeEnvelope(trailerFlag, trailerSerialize(setTrailerStatus(new Headers(), error)));
      const body = /^application\/grpc-web-text/i.test(contentType) ? Buffer.from(Buffer.from(frame).toString("base64")) : Buffer.from(frame);
      writeBody(res, 200, { ...close, "content-type": contentType }, body);
      return;
    }
    case "connect-stream": {
      const json = JSON.stringify(endStreamToJson(new Headers(), error, undefined));
      const body = Buffer.from(encodeEnvelope(endStreamFlag, new TextEncoder().encode(json)));
      writeBody(res, 200, { ...close, "content-type": contentType }, body);
      return;
    }
    case "connect-unary": {
      const body = Buffer.from(JSON.stringify(errorToJson(error, undefined)));
      // The reason's HTTP status (415 for a compression it cannot read); Connect clients read the code
      // from the body.
      writeBody(res, restErrorStatus(error), { ...close, "content-type": "application/json" }, body);
      return;
    }
    case "rest": {
      const body = Buffer.from(JSON.stringify(restStatusJson(error)));
      const headers = { ...restErrorHeaders(error), ...close, "content-type": "application/json; charset=utf-8" };
      writeBody(res, restErrorStatus(error), headers, body);
      return;
    }
  }
}

function writeBody(res: NodeServerResponse, status: number, headers: Record<string, string>, body: Buffer): void {
  res.writeHead(status, { ...headers, "content-length": String(body.length) });
  res.end(body);
}

function contentTypeOf(req: NodeServerRequest): string {
  const value = req.headers["content-type"];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

function headersToRecord(headers: Headers): Record<string, string> {
  return Object.fromEntries(headers.entries());
}

/**
 * The body of a refused HTTP/1.1 request is read and thrown away, up to `limitBytes`, so the connection
 * stays usable and a client still writing its body (a streaming call) gets the answer rather than a
 * broken pipe. A larger body (declared, or as it arrives) closes the connection instead: false then.
 * HTTP/2 streams need nothing: each ends on its own.
 */
function discardBody(req: NodeServerRequest, limitBytes: number): boolean {
  if (req.httpVersionMajor !== 1 || req.complete) return true;
  const declared = Number(req.headers["content-length"] ?? 0);
  if (req.headers["transfer-encoding"] === undefined && declared === 0) return true;
  if (Number.isFinite(declared) && declared > limitBytes) return false;
  let received = 0;
  req.on("data", (chunk: Buffer | string) => {
    received += chunk.length;
    if (received > limitBytes) req.socket?.destroy();
  });
  req.on("error", () => undefined);
  return true;
}
