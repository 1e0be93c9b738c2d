import type { UniversalHandlerFn, UniversalServerResponse } from "@connectrpc/connect/protocol";
import {
  CLIENT_FAULT_WIRE_CODE,
  decodeGrpcMessage,
  encodeEnvelope,
  encodeGrpcMessage,
  endStreamFlag,
  isClientFaultMessage,
  isConnectGetMessageDecodable,
  trailerFlag,
  trailerParse,
  trailerSerialize,
} from "./connect-internals.js";

// connect-es answers a request message that does not decode from the protobuf binary format as INTERNAL
// (its serialization serves clients too, where a bad message is the server's fault), likewise a
// compressed body that does not decompress, a message flagged compressed in a request that names no
// encoding, and a Connect GET whose `message` is not base64 (a bare "internal error"). All are the
// client's fault: connect-go answers INVALID_ARGUMENT, and so does the daemon, on every protocol.
// Without this, any client could make the daemon answer 500. Which errors those are is connect-es's
// business: connect-internals.ts knows them.
//
// The same wrapper rewrites every `grpc-message` (headers, HTTP/2 trailers, gRPC-Web trailer frames) from
// connect-es's encodeURIComponent to the gRPC spec's minimal percent-encoding, which every gRPC client
// decodes back to the exact message (grpc-js's decodeURI would leave `%3A` for each `:`).

const grpcInvalidArgument = "3";

/**
 * Wraps an RPC handler so that malformed request messages are INVALID_ARGUMENT, not INTERNAL, and
 * `grpc-message` is encoded as the gRPC spec says.
 */
export function withClientFaultCodes(handler: UniversalHandlerFn): UniversalHandlerFn {
  return async (request) => {
    const refused = refuseBadGetQuery(request.method, request.url);
    if (refused !== undefined) return refused;
    return fixResponse(await handler(request));
  };
}

/** A Connect GET request with `base64=1` whose message is not base64. */
function refuseBadGetQuery(method: string, url: string): UniversalServerResponse | undefined {
  if (method !== "GET") return undefined;
  const query = new URL(url, "http://rpc.invalid").searchParams;
  if (query.get("base64") !== "1") return undefined;
  if (isConnectGetMessageDecodable(query.get("message") ?? "")) return undefined;
  return connectUnaryError("message: not base64 (the query says base64=1)");
}

function fixResponse(response: UniversalServerResponse): UniversalServerResponse | Promise<UniversalServerResponse> {
  const contentType = response.header?.get("content-type") ?? "";
  const body = response.body;
  if (/^application\/grpc-web/i.test(contentType)) {
    response.header?.delete("content-length"); // a rewritten frame may change the length
    return { ...response, body: body && mapChunks(body, fixGrpcWebTrailerFrame) };
  }
  if (/^application\/grpc/i.test(contentType)) {
    if (response.header) fixGrpcStatus(response.header); // a trailers-only answer
    // The trailers are complete once the body has been read: fix them then, before they are sent.
    return { ...response, body: body && afterLast(body, () => response.trailer && fixGrpcStatus(response.trailer)) };
  }
  if (/^application\/connect\+/i.test(contentType)) {
    response.header?.delete("content-length");
    return { ...response, body: body && mapChunks(body, fixEndStreamFrame) };
  }
  if (response.status === 500 && /^application\/json/i.test(contentType) && body) {
    return fixUnaryError(response, body);
  }
  return response;
}

function fixGrpcStatus(headers: Headers): void {
  const encoded = headers.get("grpc-message");
  if (encoded === null) return;
  const message = decodeGrpcMessage(encoded);
  headers.set("grpc-message", encodeGrpcMessage(message));
  if (headers.get("grpc-status") === CLIENT_FAULT_WIRE_CODE.grpc && isClientFaultMessage(message)) headers.set("grpc-status", grpcInvalidArgument);
}

function fixGrpcWebTrailerFrame(chunk: Uint8Array): Uint8Array {
  const frame = wholeFrame(chunk);
  if (frame === undefined || (frame.flags & trailerFlag) !== trailerFlag) return chunk;
  const trailer = trailerParse(frame.payload);
  const before = [trailer.get("grpc-status"), trailer.get("grpc-message")];
  fixGrpcStatus(trailer);
  const unchanged = trailer.get("grpc-status") === before[0] && trailer.get("grpc-message") === before[1];
  return unchanged ? chunk : encodeEnvelope(trailerFlag, trailerSerialize(trailer));
}

function fixEndStreamFrame(chunk: Uint8Array): Uint8Array {
  const frame = wholeFrame(chunk);
  if (frame === undefined || (frame.flags & endStreamFlag) !== endStreamFlag) return chunk;
  try {
    const end = JSON.parse(new TextDecoder().decode(frame.payload)) as { error?: { code?: string; message?: string } };
    if (end.error?.code !== CLIENT_FAULT_WIRE_CODE.connect || !isClientFaultMessage(end.error.message ?? "")) return chunk;
    end.error.code = "invalid_argument";
    return encodeEnvelope(frame.flags, new TextEncoder().encode(JSON.stringify(end)));
  } catch {
    return chunk;
  }
}

async function fixUnaryError(response: UniversalServerResponse, body: AsyncIterable<Uint8Array>): Promise<UniversalServerResponse> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  try {
    const error = JSON.parse(bytes.toString("utf8")) as { code?: string; message?: string };
    if (error.code === CLIENT_FAULT_WIRE_CODE.connect && isClientFaultMessage(error.message ?? "")) {
      const fixed = Buffer.from(JSON.stringify({ ...error, code: "invalid_argument" }));
      const header = new Headers(response.header);
      header.set("content-length", String(fixed.length));
      return { ...response, status: 400, header, body: single(fixed) };
    }
  } catch {
    // Not an error JSON after all: sent as it was.
  }
  return { ...response, body: single(bytes) };
}

function connectUnaryError(message: string): UniversalServerResponse {
  return {
    status: 400,
    header: new Headers({ "content-type": "application/json" }),
    body: single(Buffer.from(JSON.stringify({ code: "invalid_argument", message }))),
  };
}

/** An enveloped message (flags, 4-byte length, payload) when the chunk is exactly one. */
function wholeFrame(chunk: Uint8Array): { flags: number; payload: Uint8Array } | undefined {
  if (chunk.length < 5) return undefined;
  const length = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength).getUint32(1);
  return chunk.length === 5 + length ? { flags: chunk[0], payload: chunk.subarray(5) } : undefined;
}

async function* mapChunks(body: AsyncIterable<Uint8Array>, map: (chunk: Uint8Array) => Uint8Array): AsyncIterable<Uint8Array> {
  for await (const chunk of body) yield map(chunk);
}

async function* afterLast(body: AsyncIterable<Uint8Array>, then: () => void): AsyncIterable<Uint8Array> {
  yield* body;
  then();
}

async function* single(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
