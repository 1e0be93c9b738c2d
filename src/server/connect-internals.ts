import { base64Decode } from "@bufbuild/protobuf/wire";

// The one place that leans on connect-es beyond its public API: helpers it marks `@private` (they follow
// no semantic versioning) and the exact text of errors it raises. Nothing else in src/ imports
// `@connectrpc/connect/protocol-*` or matches connect-es messages. test/server/connect-internals.test.ts
// pins every assumption below against the installed connect-es, so an upgrade that changes one fails
// there, loudly, rather than silently turning client faults back into INTERNAL. One more assumption
// the test pins: connect-es writes each envelope of a response body as one chunk, so a gRPC-Web trailer
// frame or a Connect end-of-stream message can be rewritten chunk by chunk.

export { encodeEnvelope } from "@connectrpc/connect/protocol";
export { endStreamFlag, endStreamToJson, errorToJson } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus as connectSetTrailerStatus } from "@connectrpc/connect/protocol-grpc";
export { connectSetTrailerStatus };
export { trailerFlag, trailerParse, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";

/**
 * Messages of the INTERNAL errors connect-es raises for a request that is the client's fault (its
 * serialization and envelope code serve clients too, where a bad message is the server's fault):
 * - `parse binary: …` (protocol/serialization.js): the request message does not decode;
 * - `decompression failed` (connect-node compression.js): a compressed body that does not decompress;
 * - `received compressed envelope, but do not know how to decompress` (protocol/envelope.js): an
 *   enveloped message has the compressed flag set but the request names no encoding (no
 *   `grpc-encoding` / `connect-content-encoding`), which the gRPC spec forbids the client to send.
 */
export const CLIENT_FAULT_MESSAGES = [
  /^parse binary: /,
  /^decompression failed$/,
  /^received compressed envelope, but do not know how to decompress$/,
] as const;

/** Whether a connect-es INTERNAL error message means the client sent a request that cannot be read. */
export function isClientFaultMessage(message: string): boolean {
  return CLIENT_FAULT_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * The code connect-es gives those errors, as each protocol writes it: the gRPC status number (in
 * `grpc-status`) and the Connect code name (in an error JSON or an end-of-stream message).
 */
export const CLIENT_FAULT_WIRE_CODE = { grpc: "13", connect: "internal" } as const;

/**
 * Whether connect-es can read the `message` query parameter of a Connect GET request with `base64=1`:
 * it decodes it with protobuf-es's `base64Decode`, and a failure there escapes as a plain Error (HTTP 500).
 */
export function isConnectGetMessageDecodable(message: string): boolean {
  try {
    base64Decode(message);
    return true;
  } catch {
    return false;
  }
}


/**
 * The text of a `grpc-message` connect-es wrote: it percent-encodes the whole message with
 * `encodeURIComponent` (so `:` becomes `%3A`). A value that is not such an encoding is returned as is.
 */
export function decodeGrpcMessage(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * `message` as the gRPC spec writes `grpc-message` (PROTOCOL-HTTP2.md, Status-Message): the UTF-8 bytes
 * outside 0x20–0x7E, and `%`, percent-encoded; everything else as it is. Clients that decode with
 * `decodeURI` (@grpc/grpc-js) leave connect-es's `%3A` and the like in the message; this they decode
 * exactly, as does every decoder of the spec's encoding (connect-es's `decodeURIComponent` included).
 */
export function encodeGrpcMessage(message: string): string {
  let encoded = "";
  for (const byte of Buffer.from(message, "utf8")) {
    encoded += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return encoded;
}

/**
 * connect-es's `setTrailerStatus` (grpc-status, grpc-message, grpc-status-details-bin), with grpc-message
 * in the spec's encoding (encodeGrpcMessage), for the trailers Commander writes itself.
 */
export function setTrailerStatus(trailer: Headers, error: Parameters<typeof connectSetTrailerStatus>[1]): Headers {
  connectSetTrailerStatus(trailer, error);
  const encoded = trailer.get("grpc-message");
  if (encoded !== null) trailer.set("grpc-message", encodeGrpcMessage(decodeGrpcMessage(encoded)));
  return trailer;
}
