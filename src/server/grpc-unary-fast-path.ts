import { fromBinary, toBinary, type DescMessage, type DescMethod, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { setTrailerStatus } from "./connect-internals.js";
import { toHandlerError, type CallScope, type DirectCall } from "../gateway/direct-calls.js";
import type { NodeServerRequest, NodeServerResponse } from "../gateway/node-http-types.js";
import { clientGone, lazyCallScope } from "../gateway/rest-call-scope.js";

/** Serves the request through connect-es instead, with `body` in place of the request's own (what was read of it, then the rest). */
export type ViaConnect = (body: AsyncIterable<Uint8Array>) => void;

// A CPU profile of gRPC unary calls under load had connect-es's handler machinery at the top: per call,
// a deadline and a linked AbortController, two AbortError DOMExceptions with their event dispatch, four
// undici Headers, and a pipeline of async iterables for one message. The plain unary call skips all of
// it and calls the implementation directly (src/gateway/direct-calls.ts: the same interceptors and
// errors), answering exactly what connect-es answers: `application/grpc+proto`, one message, and the
// status in the trailers (connect-es's setTrailerStatus for errors, grpc-message in the spec's encoding).

const plainContentType = /^application\/grpc(\+proto)?$/i;

/** Whether a request is the plain case: HTTP/2 POST of binary gRPC, uncompressed, without a deadline. */
export function isPlainGrpcUnary(req: NodeServerRequest): boolean {
  if (!("stream" in req) || req.method !== "POST") return false;
  const headers = req.headers;
  if (!plainContentType.test(String(headers["content-type"] ?? ""))) return false;
  const encoding = headers["grpc-encoding"];
  return (encoding === undefined || encoding === "identity") && headers["grpc-timeout"] === undefined;
}

/**
 * Reads the request's one message and calls `call`. Whatever it does not take on (a body that is not
 * exactly one uncompressed message within `readMaxBytes`, or one that does not decode) goes to connect-es
 * through `viaConnect` with the bytes already read, so its answers (and errors) stay connect-es's.
 */
export async function serveGrpcUnary(
  req: NodeServerRequest,
  res: NodeServerResponse,
  method: DescMethod,
  call: DirectCall,
  options: { readMaxBytes: number; shutdownSignal?: AbortSignal; viaConnect: ViaConnect },
): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = (req as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  for (;;) {
    // Not for-await: leaving that loop early would destroy the request stream connect-es may still need.
    const next = await reader.next();
    if (next.done) break;
    chunks.push(next.value);
    size += next.value.length;
    if (size > options.readMaxBytes + 5) {
      options.viaConnect(readSoFar(chunks, reader));
      return;
    }
  }
  const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  if (body.length < 5 || body[0] !== 0 || body.readUInt32BE(1) !== body.length - 5) {
    options.viaConnect(once(body));
    return;
  }
  let input;
  try {
    input = fromBinary(method.input, body.subarray(5));
  } catch {
    options.viaConnect(once(body));
    return;
  }
  const scope = grpcCallScope(req, res, options.shutdownSignal);
  let answer: Uint8Array | undefined;
  let error: ConnectError | undefined;
  try {
    answer = binaryOf(method.output, await call(input, scope));
  } catch (reason) {
    error = toHandlerError(reason);
  } finally {
    scope.dispose();
  }
  if (clientGone(res)) return;
  res.writeHead(200, { "content-type": "application/grpc+proto" });
  if (answer === undefined) {
    const trailer = new Headers();
    setTrailerStatus(trailer, error ?? new ConnectError("internal error", Code.Internal));
    const fields: Record<string, string> = {};
    trailer.forEach((value, name) => (fields[name] = value));
    res.addTrailers(fields);
    res.end();
    return;
  }
  const frame = Buffer.allocUnsafe(5 + answer.length);
  frame[0] = 0;
  frame.writeUInt32BE(answer.length, 1);
  frame.set(answer, 5);
  res.addTrailers({ "grpc-status": "0" });
  res.end(frame);
}

/** The headers and signal of a call, as connect-es makes them for its handlers, made only when asked for. */
function grpcCallScope(req: NodeServerRequest, res: NodeServerResponse, shutdownSignal: AbortSignal | undefined): CallScope & { dispose(): void } {
  return lazyCallScope(res, shutdownSignal, () => {
    const header = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith(":") || value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) header.append(name, item);
    }
    return header;
  });
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

async function* readSoFar(chunks: Buffer[], reader: AsyncIterator<Buffer>): AsyncIterable<Uint8Array> {
  yield* chunks;
  for (;;) {
    const next = await reader.next();
    if (next.done) return;
    yield next.value;
  }
}

const keptBinaries = new WeakMap<object, Uint8Array>();

/** A message's binary encoding; a frozen message (one a service hands out again while nothing changed) is encoded once. */
function binaryOf(desc: DescMessage, message: MessageShape<DescMessage>): Uint8Array {
  if (!Object.isFrozen(message)) return toBinary(desc, message);
  let binary = keptBinaries.get(message);
  if (binary === undefined) keptBinaries.set(message, (binary = toBinary(desc, message)));
  return binary;
}
