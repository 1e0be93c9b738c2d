import * as http from "node:http";
import * as http2 from "node:http2";
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import { startTestServer } from "./fixtures/test-server.js";
import type { TestServer } from "./fixtures/test-server.js";

// A request whose message or compression is broken is the client's fault, whatever the protocol: never
// an INTERNAL (or HTTP 5xx) answer.

const GARBAGE = Buffer.from([0x0f, 0x07, 0xff, 0xff, 0xff]); // an illegal tag: wire type 7
const TRUNCATED_GZIP = gzipSync(Buffer.from("a message that will be cut")).subarray(0, 12);

function envelope(flags: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(flags, 0);
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

function post(port: number, path: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: body === undefined ? "GET" : "POST", path, headers, agent: false }, (res) => {
      let text = "";
      res.setEncoding("latin1");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function grpcCall(baseUrl: string, path: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ status: string | undefined; message: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(baseUrl);
    session.on("error", reject);
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
    let trailers: http2.IncomingHttpHeaders = {};
    stream.on("trailers", (received) => (trailers = received));
    stream.resume();
    stream.on("end", () => {
      session.close();
      resolve({ status: trailers["grpc-status"] as string | undefined, message: decodeURIComponent(String(trailers["grpc-message"] ?? "")) });
    });
    stream.on("error", reject);
    stream.end(body);
  });
}

describe("client fault codes", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it("answers a Connect unary message that does not decode with 400 invalid_argument, not 500", async () => {
    const answer = await post(server.port, "/commander.v1.ProjectService/ListProjects", { "content-type": "application/proto" }, GARBAGE);
    expect(answer.status).to.equal(400);
    expect(JSON.parse(answer.text)).to.include({ code: "invalid_argument" });
  });

  it("answers a body that does not decompress with 400 invalid_argument", async () => {
    const answer = await post(
      server.port,
      "/commander.v1.ProjectService/ListProjects",
      { "content-type": "application/proto", "content-encoding": "gzip" },
      TRUNCATED_GZIP,
    );
    expect(answer.status).to.equal(400);
    expect(JSON.parse(answer.text)).to.include({ code: "invalid_argument" });
  });

  it("answers a compression it does not support with 415, not 501", async () => {
    const answer = await post(server.port, "/commander.v1.ProjectService/ListProjects", { "content-type": "application/json", "content-encoding": "zstd" }, Buffer.from("{}"));
    expect(answer.status).to.equal(415);
  });

  it("answers a Connect GET whose message is not base64 with 400", async () => {
    const answer = await post(server.port, "/commander.v1.HealthService/GetHealth?connect=v1&encoding=proto&base64=1&message=1", {});
    expect(answer.status).to.equal(400);
    expect(JSON.parse(answer.text)).to.include({ code: "invalid_argument" });
  });

  it("answers a gRPC message that does not decode with status INVALID_ARGUMENT", async () => {
    const answer = await grpcCall(server.baseUrl, "/commander.v1.ProjectService/ListProjects", envelope(0, GARBAGE));
    expect(answer.status).to.equal("3");
    expect(answer.message).to.match(/^parse binary/);
  });

  it("answers a gRPC message flagged compressed without grpc-encoding with INVALID_ARGUMENT, not INTERNAL", async () => {
    const answer = await grpcCall(server.baseUrl, "/commander.v1.ProjectService/ListProjects", envelope(1, Buffer.alloc(0)));
    expect(answer.status).to.equal("3");
    expect(answer.message).to.include("compressed");
  });

  it("answers a gRPC-Web message flagged compressed without grpc-encoding with INVALID_ARGUMENT", async () => {
    const answer = await post(server.port, "/commander.v1.ProjectService/ListProjects", { "content-type": "application/grpc-web+proto" }, envelope(1, Buffer.alloc(0)));
    expect(answer.status).to.equal(200);
    expect(answer.text).to.match(/grpc-status: ?3\b/);
  });

  it("ends a Connect stream whose message is flagged compressed without an encoding with invalid_argument", async () => {
    const answer = await post(server.port, "/commander.v1.WatchService/WatchChanges", { "content-type": "application/connect+proto" }, envelope(1, Buffer.alloc(0)));
    expect(answer.status).to.equal(200);
    expect(answer.text).to.include('"code":"invalid_argument"');
  });

  it("answers a gRPC-Web message that does not decode with INVALID_ARGUMENT in its trailer frame", async () => {
    const answer = await post(server.port, "/commander.v1.ProjectService/ListProjects", { "content-type": "application/grpc-web+proto" }, envelope(0, GARBAGE));
    expect(answer.status).to.equal(200);
    expect(answer.text).to.match(/grpc-status: ?3\b/);
  });

  it("ends a Connect stream whose request does not decode with invalid_argument", async () => {
    const answer = await post(server.port, "/commander.v1.WatchService/WatchChanges", { "content-type": "application/connect+proto" }, envelope(0, GARBAGE));
    expect(answer.status).to.equal(200);
    expect(answer.text).to.include('"code":"invalid_argument"');
  });

  it("answers a bidirectional stream over HTTP/1.1 with 400 HTTP2_REQUIRED instead of 505", async () => {
    const answer = await post(server.port, "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", { "content-type": "application/connect+json" }, envelope(0, Buffer.from("{}")));
    expect(answer.status).to.equal(200);
    expect(answer.text).to.include('"code":"failed_precondition"');
    const unary = await post(server.port, "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", { "content-type": "application/json" }, Buffer.from("{}"));
    expect(unary.status).to.equal(400);
  });
});
