import * as http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { expect } from "chai";
import { GetProjectRequestSchema, ListProjectsRequestSchema } from "../../gen/es/commander/v1/project_service_pb.js";
import { startTestServer, type TestServer } from "./fixtures/test-server.js";

// A plain gRPC unary call (binary, uncompressed, no deadline) is answered without connect-es's handler
// (src/server/grpc-unary-fast-path.ts). A `grpc-timeout` header sends the same call through connect-es,
// so each case below compares the two answers: they must be the same bytes.

interface Answer {
  status: number | undefined;
  contentType: string | undefined;
  body: string;
  trailers: Record<string, string>;
}

function envelope(payload: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + payload.length);
  frame.writeUInt32BE(payload.length, 1);
  frame.set(payload, 5);
  return frame;
}

function call(baseUrl: string, path: string, body: Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(baseUrl);
    session.on("error", reject);
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
    let head: http2.IncomingHttpHeaders = {};
    const trailers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    stream.on("response", (received) => (head = received));
    stream.on("trailers", (received) => {
      for (const [name, value] of Object.entries(received)) if (!name.startsWith(":")) trailers[name] = String(value);
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      session.close();
      resolve({ status: Number(head[":status"]), contentType: head["content-type"] as string | undefined, body: Buffer.concat(chunks).toString("hex"), trailers });
    });
    stream.on("error", reject);
    stream.end(body);
  });
}

/** The same call, answered by the fast path and by connect-es. */
async function bothWays(server: TestServer, path: string, body: Buffer): Promise<{ fast: Answer; connect: Answer }> {
  const fast = await call(server.baseUrl, path, body);
  const connect = await call(server.baseUrl, path, body, { "grpc-timeout": "10S" });
  return { fast, connect };
}

describe("gRPC unary calls without connect-es's handler", () => {
  let server: TestServer;
  const urls: string[] = [];
  before(async () => {
    // Direct calls carry an in-process URL, connect-es's the request's: which path served a call.
    const recordUrl: Interceptor = (next) => (req) => (urls.push(req.url), next(req));
    server = await startTestServer({ maxBodyBytes: 1024, interceptors: [recordUrl] });
  });
  after(() => server.close());

  it("answers a call with the same headers, message and trailers as connect-es", async () => {
    const { fast, connect } = await bothWays(server, "/commander.v1.HealthService/GetHealth", envelope(new Uint8Array()));
    expect(fast).to.deep.equal(connect);
    expect(fast).to.include({ status: 200, contentType: "application/grpc+proto" });
    expect(fast.trailers).to.deep.equal({ "grpc-status": "0" });
    expect(fast.body).not.to.equal("");
  });

  it("calls the implementation directly for a plain call only", async () => {
    urls.length = 0;
    await bothWays(server, "/commander.v1.HealthService/GetHealth", envelope(new Uint8Array()));
    expect(urls).to.have.length(2);
    expect(urls[0]).to.match(/^http:\/\/in-process\//);
    expect(urls[1]).to.match(/^http:\/\/127\.0\.0\.1:\d+\//);
  });

  it("answers a failed call with connect-es's status, message and error details", async () => {
    const body = envelope(toBinary(GetProjectRequestSchema, create(GetProjectRequestSchema, { projectId: "nope" })));
    const { fast, connect } = await bothWays(server, "/commander.v1.ProjectService/GetProject", body);
    expect(fast).to.deep.equal(connect);
    expect(fast.trailers["grpc-status"]).to.equal("5");
    expect(fast.trailers).to.have.property("grpc-status-details-bin");
  });

  it("answers an implementation's unexpected error as INTERNAL, like connect-es", async () => {
    const body = envelope(toBinary(GetProjectRequestSchema, create(GetProjectRequestSchema, { projectId: "boom" })));
    const { fast, connect } = await bothWays(server, "/commander.v1.ProjectService/GetProject", body);
    expect(fast).to.deep.equal(connect);
    expect(fast.trailers["grpc-status"]).to.equal("13");
  });

  it("leaves a message that does not decode to connect-es: INVALID_ARGUMENT", async () => {
    const { fast, connect } = await bothWays(server, "/commander.v1.ProjectService/ListProjects", envelope(Buffer.from([0x0f, 0x07, 0xff])));
    expect(fast).to.deep.equal(connect);
    expect(fast.trailers["grpc-status"]).to.equal("3");
  });

  it("leaves a message over the size limit to connect-es: RESOURCE_EXHAUSTED, whatever was read of it", async () => {
    const big = envelope(toBinary(ListProjectsRequestSchema, create(ListProjectsRequestSchema, { pageToken: "x".repeat(70_000) })));
    const { fast, connect } = await bothWays(server, "/commander.v1.ProjectService/ListProjects", big);
    expect(fast).to.deep.equal(connect);
    expect(fast.trailers["grpc-status"]).to.equal("8");
  });

  it("leaves a body that is not exactly one message to connect-es", async () => {
    const two = Buffer.concat([envelope(new Uint8Array()), envelope(new Uint8Array())]);
    const { fast, connect } = await bothWays(server, "/commander.v1.ProjectService/ListProjects", two);
    expect(fast).to.deep.equal(connect);
    expect(fast.trailers["grpc-status"]).not.to.equal("0");
  });
});
