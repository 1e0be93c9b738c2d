import { createClient } from "@connectrpc/connect";
import type { Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { expect } from "chai";
import { ProjectService } from "../../gen/es/commander/v1/project_service_pb.js";
import { capturingLogger, plainRequest } from "./fixtures/raw-connections.js";
import { startTestServer, waitFor } from "./fixtures/test-server.js";
import type { TestServer } from "./fixtures/test-server.js";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("request ids", () => {
  let server: TestServer;
  let log: ReturnType<typeof capturingLogger>;
  let sessionManager: Http2SessionManager;
  before(async () => {
    log = capturingLogger("info");
    server = await startTestServer({ logger: log.logger, token: "t".repeat(32) });
    sessionManager = new Http2SessionManager(server.baseUrl);
  });
  after(async () => {
    sessionManager.abort();
    await server.close();
  });

  const auth = { authorization: `Bearer ${"t".repeat(32)}` };
  const finishedLine = async (requestId: string) => {
    await waitFor(() => log.records().some((record) => record.requestId === requestId && record.msg === "request finished"), `the log line of ${requestId}`);
    return log.records().find((record) => record.requestId === requestId && record.msg === "request finished")!;
  };

  it("answers a REST request with an x-request-id that its log line carries", async () => {
    const answer = await plainRequest(server.port, "GET", "/api/projects", auth);
    expect(answer.status).to.equal(200);
    const id = String(answer.headers["x-request-id"]);
    expect(id).to.match(uuid);
    expect(await finishedLine(id)).to.include({ protocol: "rest", rpc: "commander.v1.ProjectService/ListProjects", status: 200, method: "GET", path: "/api/projects" });
  });

  const transports: Array<[string, string, () => Transport]> = [
    ["Connect over HTTP/1.1", "connect", () => createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" })],
    ["Connect over HTTP/2", "connect", () => createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "2", sessionManager })],
    ["gRPC", "grpc", () => createGrpcTransport({ baseUrl: server.baseUrl, sessionManager })],
    ["gRPC-Web", "grpc-web", () => createGrpcWebTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" })],
  ];
  for (const [name, protocol, transport] of transports) {
    it(`answers a ${name} call with an x-request-id that its log line carries`, async () => {
      let id: string | null = null;
      await createClient(ProjectService, transport()).listProjects({}, { headers: auth, onHeader: (headers) => (id = headers.get("x-request-id")) });
      expect(id).to.match(uuid);
      expect(await finishedLine(id!)).to.include({ protocol, rpc: "commander.v1.ProjectService/ListProjects" });
    });
  }

  it("keeps a sane id sent by the client and replaces one that is not", async () => {
    const kept = await plainRequest(server.port, "GET", "/api/projects", { ...auth, "x-request-id": "cli-42.a" });
    expect(kept.headers["x-request-id"]).to.equal("cli-42.a");
    await finishedLine("cli-42.a");
    for (const bad of ["x".repeat(129), "two words", "<script>"]) {
      const replaced = await plainRequest(server.port, "GET", "/api/projects", { ...auth, "x-request-id": bad });
      expect(replaced.headers["x-request-id"]).to.match(uuid);
    }
  });

  it("gives a refused request an id too, in its refusal log line", async () => {
    const refused = await plainRequest(server.port, "GET", "/api/projects");
    expect(refused.status).to.equal(401);
    const id = String(refused.headers["x-request-id"]);
    expect(id).to.match(uuid);
    expect(log.records().find((record) => record.msg === "request refused" && record.requestId === id)).to.include({ reason: "UNAUTHENTICATED" });
    expect(await finishedLine(id)).to.include({ status: 401 });
  });
});
