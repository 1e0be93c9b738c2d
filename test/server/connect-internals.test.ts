import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createConnectRouter } from "@connectrpc/connect";
import type { UniversalHandlerFn, UniversalServerResponse } from "@connectrpc/connect/protocol";
import { compressionGzip } from "@connectrpc/connect-node";
import { expect } from "chai";
import { HealthService } from "../../gen/es/commander/v1/health_service_pb.js";
import { WatchService } from "../../gen/es/commander/v1/watch_service_pb.js";
import { ErrorInfoSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../gen/es/google/rpc/status_pb.js";
import {
  CLIENT_FAULT_WIRE_CODE,
  decodeGrpcMessage,
  encodeEnvelope,
  encodeGrpcMessage,
  endStreamFlag,
  endStreamToJson,
  errorToJson,
  isClientFaultMessage,
  isConnectGetMessageDecodable,
  connectSetTrailerStatus,
  setTrailerStatus,
  trailerFlag,
  trailerParse,
  trailerSerialize,
} from "../../src/server/connect-internals.js";
import { codeFromHttpStatus, errorFromJsonBytes, parseContentType, trailerDemux } from "../../src/cli/connect-protocol.js";
import { REPO_ROOT } from "../support/daemon-process.js";

// The contract between the daemon and the installed connect-es: what src/server/connect-internals.ts
// assumes, checked against connect-es itself (its handlers run here without the daemon's wrappers). A
// failure here after a connect-es upgrade means connect-internals.ts (and what uses it) must follow.

const GARBAGE = new Uint8Array([0x0f, 0x07, 0xff, 0xff, 0xff]); // an illegal tag: wire type 7

function rawHandlers(): Map<string, UniversalHandlerFn> {
  const router = createConnectRouter({ acceptCompression: [compressionGzip] });
  router.service(HealthService, { getHealth: () => ({}) });
  router.service(WatchService, {
    async *watchChanges() {
      // Never reached: the request does not decode.
    },
  });
  return new Map(router.handlers.map((handler) => [handler.requestPath, handler]));
}

async function call(
  path: string,
  header: Record<string, string>,
  body: Uint8Array,
  method = "POST",
  query = "",
): Promise<{ response: UniversalServerResponse; chunks: Uint8Array[] }> {
  const handler = rawHandlers().get(path);
  if (handler === undefined) throw new Error(`no handler for ${path}`);
  const response = await handler({
    httpVersion: "2.0",
    url: `http://127.0.0.1${path}${query}`,
    method,
    header: new Headers(header),
    body: (async function* () {
      yield body;
    })(),
    signal: new AbortController().signal,
  });
  const chunks: Uint8Array[] = [];
  if (response.body) for await (const chunk of response.body) chunks.push(chunk);
  return { response, chunks };
}

function envelope(flags: number, payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(5 + payload.length);
  bytes[0] = flags;
  new DataView(bytes.buffer).setUint32(1, payload.length);
  bytes.set(payload, 5);
  return bytes;
}

/** The last chunk, which must be exactly one envelope (connect-es writes one per chunk). */
function lastFrame(chunks: Uint8Array[]): { flags: number; payload: Uint8Array } {
  const chunk = chunks[chunks.length - 1];
  expect(chunk, "a last chunk").to.not.equal(undefined);
  const length = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength).getUint32(1);
  expect(chunk.length, "the last chunk is exactly one envelope").to.equal(5 + length);
  return { flags: chunk[0], payload: chunk.subarray(5) };
}

const GET_HEALTH = "/commander.v1.HealthService/GetHealth";
const WATCH = "/commander.v1.WatchService/WatchChanges";

describe("connect-es internals the daemon relies on", () => {
  describe("client faults connect-es reports as INTERNAL", () => {
    it("a gRPC message that does not decode: status 13, 'parse binary: …' in the trailers", async () => {
      const { response } = await call(GET_HEALTH, { "content-type": "application/grpc", te: "trailers" }, envelope(0, GARBAGE));
      expect(response.trailer?.get("grpc-status")).to.equal(CLIENT_FAULT_WIRE_CODE.grpc);
      const message = decodeURIComponent(response.trailer?.get("grpc-message") ?? "");
      expect(message).to.match(/^parse binary: /);
      expect(isClientFaultMessage(message)).to.equal(true);
    });

    it("a gRPC message flagged compressed without grpc-encoding: status 13, 'received compressed envelope, …'", async () => {
      const { response } = await call(GET_HEALTH, { "content-type": "application/grpc", te: "trailers" }, envelope(1, new Uint8Array(0)));
      expect(response.trailer?.get("grpc-status")).to.equal(CLIENT_FAULT_WIRE_CODE.grpc);
      const message = decodeURIComponent(response.trailer?.get("grpc-message") ?? "");
      expect(message).to.equal("received compressed envelope, but do not know how to decompress");
      expect(isClientFaultMessage(message)).to.equal(true);
    });

    it("a Connect unary body that does not decompress: HTTP 500, code internal, 'decompression failed'", async () => {
      const truncated = gzipSync(Buffer.from("a message that will be cut")).subarray(0, 12);
      const { response, chunks } = await call(GET_HEALTH, { "content-type": "application/proto", "content-encoding": "gzip" }, truncated);
      expect(response.status).to.equal(500);
      const error = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { code: string; message: string };
      expect(error).to.deep.equal({ code: CLIENT_FAULT_WIRE_CODE.connect, message: "decompression failed" });
      expect(isClientFaultMessage(error.message)).to.equal(true);
    });

    it("a Connect unary message that does not decode: HTTP 500, code internal, 'parse binary: …'", async () => {
      const { response, chunks } = await call(GET_HEALTH, { "content-type": "application/proto" }, GARBAGE);
      expect(response.status).to.equal(500);
      const error = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { code: string; message: string };
      expect(error.code).to.equal(CLIENT_FAULT_WIRE_CODE.connect);
      expect(isClientFaultMessage(error.message), error.message).to.equal(true);
    });

    it("a gRPC-Web error ends in one trailer frame of its own with status 13", async () => {
      const { chunks } = await call(GET_HEALTH, { "content-type": "application/grpc-web+proto" }, envelope(0, GARBAGE));
      const frame = lastFrame(chunks);
      expect(frame.flags & trailerFlag).to.equal(trailerFlag);
      const trailer = trailerParse(frame.payload);
      expect(trailer.get("grpc-status")).to.equal(CLIENT_FAULT_WIRE_CODE.grpc);
      expect(isClientFaultMessage(decodeURIComponent(trailer.get("grpc-message") ?? ""))).to.equal(true);
    });

    it("a Connect stream error ends in one end-of-stream frame of its own with code internal", async () => {
      const { response, chunks } = await call(WATCH, { "content-type": "application/connect+proto" }, envelope(0, GARBAGE));
      expect(response.status).to.equal(200);
      const frame = lastFrame(chunks);
      expect(frame.flags).to.equal(endStreamFlag);
      const end = JSON.parse(new TextDecoder().decode(frame.payload)) as { error: { code: string; message: string } };
      expect(end.error.code).to.equal(CLIENT_FAULT_WIRE_CODE.connect);
      expect(isClientFaultMessage(end.error.message), end.error.message).to.equal(true);
    });

    it("a Connect GET whose message is not base64 escapes as HTTP 500, and base64 it reads is what the seam accepts", async () => {
      const bad = await call(GET_HEALTH, {}, new Uint8Array(0), "GET", "?connect=v1&encoding=proto&base64=1&message=1");
      expect(bad.response.status).to.equal(500);
      expect(isConnectGetMessageDecodable("1")).to.equal(false);
      // An empty GetHealthRequest, unpadded: connect-es reads it, and the seam lets it through.
      const good = await call(GET_HEALTH, {}, new Uint8Array(0), "GET", "?connect=v1&encoding=json&base64=1&message=e30");
      expect(good.response.status).to.equal(200);
      expect(isConnectGetMessageDecodable("e30")).to.equal(true);
    });

    it("does not take a server's own INTERNAL error for a client fault", () => {
      expect(isClientFaultMessage("internal error")).to.equal(false);
      expect(isClientFaultMessage("database: parse binary: x")).to.equal(false);
    });
  });

  describe("wire helpers marked @private", () => {
    const error = new ConnectError("project p1 not found", Code.NotFound, undefined, [
      { desc: ErrorInfoSchema, value: { reason: "PROJECT_NOT_FOUND", domain: "commander", metadata: { id: "p1" } } },
    ]);

    it("encodeEnvelope writes flags, a big-endian length and the payload", () => {
      expect(Array.from(encodeEnvelope(2, new Uint8Array([7, 8])))).to.deep.equal([2, 0, 0, 0, 2, 7, 8]);
      expect(endStreamFlag).to.equal(0b10);
      expect(trailerFlag).to.equal(0x80);
    });

    it("trailerSerialize and trailerParse write and read gRPC-Web trailers as HTTP/1 header lines", () => {
      const bytes = trailerSerialize(new Headers({ "grpc-status": "3", "grpc-message": "bad" }));
      expect(new TextDecoder().decode(bytes)).to.equal("grpc-message: bad\r\ngrpc-status: 3\r\n");
      expect(Object.fromEntries(trailerParse(bytes).entries())).to.deep.equal({ "grpc-message": "bad", "grpc-status": "3" });
    });

    it("setTrailerStatus writes grpc-status, the percent-encoded message and the details", () => {
      const trailer = connectSetTrailerStatus(new Headers(), error);
      expect(trailer.get("grpc-status")).to.equal("5");
      expect(trailer.get("grpc-message")).to.equal("project%20p1%20not%20found");
      const status = fromBinary(StatusSchema, Buffer.from(trailer.get("grpc-status-details-bin") ?? "", "base64"));
      expect(status.code).to.equal(Code.NotFound);
      expect(status.details.map((detail) => detail.typeUrl)).to.deep.equal(["type.googleapis.com/google.rpc.ErrorInfo"]);
    });

    it("setTrailerStatus percent-encodes grpc-message with encodeURIComponent, which decodeGrpcMessage reverses", () => {
      const message = "page_size: 100% ü\nnext";
      const written = connectSetTrailerStatus(new Headers(), new ConnectError(message, Code.InvalidArgument)).get("grpc-message") ?? "";
      expect(written).to.equal(encodeURIComponent(message));
      expect(written).to.include("%3A");
      expect(decodeGrpcMessage(written)).to.equal(message);
      expect(decodeGrpcMessage("100%")).to.equal("100%");
    });

    it("our setTrailerStatus writes grpc-message in the spec's encoding, colons and spaces as they are", () => {
      const message = "page_size: 100% ü\nnext";
      const written = setTrailerStatus(new Headers(), new ConnectError(message, Code.InvalidArgument)).get("grpc-message") ?? "";
      expect(written).to.equal("page_size: 100%25 %C3%BC%0Anext");
      expect(decodeGrpcMessage(written)).to.equal(message);
    });

    it("encodeGrpcMessage writes the gRPC spec's Status-Message: only bytes outside 0x20-0x7E and % are encoded", () => {
      expect(encodeGrpcMessage("project nope: not found")).to.equal("project nope: not found");
      expect(encodeGrpcMessage("a/b?c=d#e&f+g@h;i,j$k")).to.equal("a/b?c=d#e&f+g@h;i,j$k");
      expect(encodeGrpcMessage("100% ü\n")).to.equal("100%25 %C3%BC%0A");
      // What @grpc/grpc-js does to it (decodeURI) and what connect-es does (decodeURIComponent): the message.
      for (const message of ["project nope: not found", "100% ü\n", "x: %3A"]) {
        expect(decodeURI(encodeGrpcMessage(message))).to.equal(message);
        expect(decodeURIComponent(encodeGrpcMessage(message))).to.equal(message);
      }
    });

    it("errorToJson and endStreamToJson write the Connect error JSON", () => {
      const detail = {
        type: "google.rpc.ErrorInfo",
        value: Buffer.from(toBinary(ErrorInfoSchema, create(ErrorInfoSchema, { reason: "PROJECT_NOT_FOUND", domain: "commander", metadata: { id: "p1" } })))
          .toString("base64")
          .replace(/=+$/, ""),
        debug: { reason: "PROJECT_NOT_FOUND", domain: "commander", metadata: { id: "p1" } },
      };
      expect(errorToJson(error, undefined)).to.deep.equal({ code: "not_found", message: "project p1 not found", details: [detail] });
      expect(endStreamToJson(new Headers(), error, undefined)).to.deep.equal({
        error: { code: "not_found", message: "project p1 not found", details: [detail] },
      });
    });
  });

  describe("the command line's unary transport (src/cli/connect-protocol.ts)", () => {
    it("codeFromHttpStatus maps the HTTP statuses of answers that are not Connect errors", () => {
      expect(codeFromHttpStatus(400)).to.equal(Code.Internal);
      expect(codeFromHttpStatus(401)).to.equal(Code.Unauthenticated);
      expect(codeFromHttpStatus(404)).to.equal(Code.Unimplemented);
      expect(codeFromHttpStatus(502)).to.equal(Code.Unavailable);
    });

    it("parseContentType tells a unary binary answer from JSON and streams", () => {
      expect(parseContentType("application/proto")).to.deep.equal({ stream: false, binary: true });
      expect(parseContentType("application/json; charset=utf-8")).to.deep.equal({ stream: false, binary: false });
      expect(parseContentType("application/connect+proto")).to.deep.equal({ stream: true, binary: true });
      expect(parseContentType("text/html")).to.equal(undefined);
    });

    it("trailerDemux splits `trailer-` headers from the others", () => {
      const [header, trailer] = trailerDemux(new Headers({ "x-request-id": "r1", "trailer-grpc-x": "t" }));
      expect(header.get("x-request-id")).to.equal("r1");
      expect(header.has("trailer-grpc-x")).to.equal(false);
      expect(trailer.get("grpc-x")).to.equal("t");
    });

    it("errorFromJsonBytes reads a Connect error body, with its details and metadata", () => {
      const error = new ConnectError("project p1 not found", Code.NotFound, undefined, [
        { desc: ErrorInfoSchema, value: { reason: "PROJECT_NOT_FOUND", domain: "commander", metadata: { id: "p1" } } },
      ]);
      const body = new TextEncoder().encode(JSON.stringify(errorToJson(error, undefined)));
      const read = errorFromJsonBytes(body, new Headers({ "x-request-id": "r1" }), new ConnectError("fallback", Code.Unknown));
      expect(read.code).to.equal(Code.NotFound);
      expect(read.rawMessage).to.equal("project p1 not found");
      expect(read.metadata.get("x-request-id")).to.equal("r1");
      const info = read.findDetails(ErrorInfoSchema)[0];
      expect(info?.reason).to.equal("PROJECT_NOT_FOUND");
      // A body that is no error JSON (a proxy's page) throws the error made from the status instead.
      const fromStatus = new ConnectError("HTTP 502", Code.Unavailable);
      expect(() => errorFromJsonBytes(new TextEncoder().encode("<html>"), new Headers(), fromStatus)).to.throw(ConnectError, "HTTP 502");
    });
  });

  it("is the only module of src/ that imports connect-es's protocol internals or matches its messages", async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles(join(REPO_ROOT, "src"))) {
      const name = relative(REPO_ROOT, file);
      if (name === join("src", "server", "connect-internals.ts") || name === join("src", "cli", "connect-protocol.ts")) continue;
      const text = await readFile(file, "utf8");
      // Types of the universal handler interface are public (connect-node's adapter API); values are not.
      const valueImport = /^import (?!type )[^;]*from "@connectrpc\/connect\/protocol(-[a-z-]+)?";/m.test(text);
      const anyProtocolImport = /from "@connectrpc\/connect\/protocol-/.test(text);
      if (valueImport || anyProtocolImport || /parse binary|decompression failed|received compressed envelope/.test(text)) {
        offenders.push(name);
      }
    }
    expect(offenders).to.deep.equal([]);
  });
});

async function sourceFiles(directory: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...(await sourceFiles(path)));
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) files.push(path);
  }
  return files;
}
