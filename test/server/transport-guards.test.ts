import * as http from "node:http";
import * as net from "node:net";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import type { Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { credentials, Metadata, status as grpcStatus } from "@grpc/grpc-js";
import { expect } from "chai";
import { AgentHookService } from "../../gen/es/commander/v1/agent_hook_service_pb.js";
import { ProjectService } from "../../gen/es/commander/v1/project_service_pb.js";
import { WatchService } from "../../gen/es/commander/v1/watch_service_pb.js";
import { ProjectServiceClient } from "../../gen/tsproto/commander/v1/project_service.js";
import { ListProjectsRequest, type ListProjectsResponse } from "../../gen/tsproto/commander/v1/project_service.js";
import { openStream } from "../gateway/fixtures/stream-client.js";
import { startTestServer, waitFor } from "./fixtures/test-server.js";
import type { TestServer } from "./fixtures/test-server.js";

const TOKEN = "test-token-0123456789";
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Sends one raw HTTP/1.1 request and returns status, headers and body text. */
function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, headers, agent: false, setHost: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function reasonOf(json: { details?: Array<{ reason?: string }> }): string | undefined {
  return json.details?.find((detail) => detail.reason !== undefined)?.reason;
}

async function rpcError(call: Promise<unknown>): Promise<ConnectError> {
  return call.then(
    () => expect.fail("expected the call to fail"),
    (reason: unknown) => ConnectError.from(reason),
  );
}

async function firstStreamError(transport: Transport): Promise<ConnectError> {
  return rpcError(
    (async () => {
      for await (const _ of createClient(WatchService, transport).watchChanges({})) {
        // Reading is enough: the guard refuses before the first message.
      }
    })(),
  );
}

describe("transport guards", () => {
  describe("with a token", () => {
    let server: TestServer;
    const host = () => `127.0.0.1:${server.port}`;
    before(async () => {
      server = await startTestServer({
        token: TOKEN,
        allowedHosts: ["localhost", "127.0.0.1"],
        unauthenticatedMethods: [AgentHookService.method.reportHook],
      });
    });
    after(() => server.close());

    const transports: Array<[string, (headers?: Record<string, string>) => { transport: Transport; done(): void }]> = [
      ["Connect over HTTP/1.1", () => ({ transport: createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }), done() {} })],
      [
        "Connect over h2c",
        () => {
          const sessionManager = new Http2SessionManager(server.baseUrl);
          return { transport: createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "2", sessionManager }), done: () => sessionManager.abort() };
        },
      ],
      ["gRPC-Web over HTTP/1.1", () => ({ transport: createGrpcWebTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }), done() {} })],
      [
        "gRPC (connect-es) over h2c",
        () => {
          const sessionManager = new Http2SessionManager(server.baseUrl);
          return { transport: createGrpcTransport({ baseUrl: server.baseUrl, sessionManager }), done: () => sessionManager.abort() };
        },
      ],
    ];

    for (const [name, make] of transports) {
      it(`refuses ${name} calls without a token or with a wrong one as UNAUTHENTICATED, unary and streaming`, async () => {
        const { transport, done } = make();
        try {
          for (const headers of [{}, bearer("wrong"), bearer(`${TOKEN}x`), { authorization: TOKEN }]) {
            const unary = await rpcError(createClient(ProjectService, transport).listProjects({}, { headers }));
            expect(unary.code, JSON.stringify(headers)).to.equal(Code.Unauthenticated);
            const stream = await rpcError(
              (async () => {
                for await (const _ of createClient(WatchService, transport).watchChanges({}, { headers })) {
                  /* refused before the first message */
                }
              })(),
            );
            expect(stream.code, JSON.stringify(headers)).to.equal(Code.Unauthenticated);
          }
          const listed = await createClient(ProjectService, transport).listProjects({}, { headers: bearer(TOKEN) });
          expect(listed.projects).to.be.an("array");
        } finally {
          done();
        }
      });
    }

    it("refuses @grpc/grpc-js calls without the token with status UNAUTHENTICATED", async () => {
      const client = new ProjectServiceClient(host(), credentials.createInsecure());
      try {
        const call = (metadata: Metadata) =>
          new Promise<ListProjectsResponse>((resolve, reject) =>
            client.listProjects(ListProjectsRequest.fromPartial({}), metadata, (error, response) => (error ? reject(error) : resolve(response))),
          );
        const refused = await call(new Metadata()).then(
          () => expect.fail("expected UNAUTHENTICATED"),
          (error: { code: number; details: string }) => error,
        );
        expect(refused.code).to.equal(grpcStatus.UNAUTHENTICATED);
        expect(refused.details).to.equal("unauthenticated");
        const metadata = new Metadata();
        metadata.set("authorization", `Bearer ${TOKEN}`);
        expect((await call(metadata)).projects).to.be.an("array");
      } finally {
        client.close();
      }
    });

    it("answers REST without the token 401 with a Status body that does not say what was wrong", async () => {
      const missing = await rawRequest(server.port, "GET", "/api/projects", { host: host() });
      const wrong = await rawRequest(server.port, "GET", "/api/projects", { host: host(), ...bearer("nope") });
      for (const answer of [missing, wrong]) {
        expect(answer.status).to.equal(401);
        expect(answer.headers["www-authenticate"]).to.match(/^Bearer/);
        const json = JSON.parse(answer.text);
        expect(json).to.include({ code: 16, message: "unauthenticated" });
        expect(reasonOf(json)).to.equal("UNAUTHENTICATED");
      }
      expect(missing.text).to.equal(wrong.text);
      const ok = await rawRequest(server.port, "GET", "/api/projects", { host: host(), ...bearer(TOKEN) });
      expect(ok.status).to.equal(200);
    });

    it("refuses unknown paths, REST streams and bodies when the token is missing, closing the connection only for an oversized body", async () => {
      expect((await rawRequest(server.port, "GET", "/nowhere", { host: host() })).status).to.equal(401);
      expect((await rawRequest(server.port, "GET", "/api/changes", { host: host() })).status).to.equal(401);
      const small = await rawRequest(
        server.port,
        "POST",
        "/api/projects",
        { host: host(), "content-type": "application/json", connection: "keep-alive" },
        "x".repeat(100_000),
      );
      expect(small.status).to.equal(401);
      expect(small.headers.connection).to.not.equal("close");
      const huge = await rawRequest(server.port, "POST", "/api/projects", { host: host(), "content-type": "application/json", "content-length": String(2 * 1024 * 1024) }).catch(
        (error: NodeJS.ErrnoException) => ({ status: error.code ?? "error", headers: { connection: "close" } }),
      );
      expect(huge.status).to.be.oneOf([401, "ECONNRESET", "EPIPE"]);
      expect(huge.headers.connection).to.equal("close");
    });

    it("lets agent hook calls through to the hook service, by REST and by RPC, which checks the session secret", async () => {
      const viaRest = await rawRequest(
        server.port,
        "POST",
        "/api/hooks/s1",
        { host: host(), "content-type": "application/json", authorization: "Bearer s3cret" },
        JSON.stringify({ hook_event_name: "Stop" }),
      );
      expect(viaRest.status, viaRest.text).to.equal(200);
      const forged = await rawRequest(server.port, "POST", "/api/hooks/s1", { host: host(), "content-type": "application/json", ...bearer("guess") }, "{}");
      expect(forged.status).to.equal(401);
      const transport = createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" });
      const answer = await createClient(AgentHookService, transport).reportHook(
        { sessionId: "s1", payload: { hook_event_name: "Stop" } },
        { headers: { authorization: "Bearer s3cret" } },
      );
      expect(answer.output).to.deep.equal({ received: "Stop", session: "s1" });
      // The exemption is for the hook RPC only, not for paths that merely look like it.
      const lookalike = await rawRequest(server.port, "GET", "/api/hooks/s1", { host: host() });
      expect(lookalike.status).to.equal(401);
      const traversal = await rawRequest(server.port, "POST", "/api/hooks/%2e%2e/projects", { host: host(), "content-type": "application/json" }, "{}");
      expect(traversal.status).to.equal(401);
    });
  });

  describe("Host and Origin", () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ allowedHosts: ["localhost", "127.0.0.1", "::1"], allowedOrigins: ["https://ui.example"] });
    });
    after(() => server.close());

    it("refuses a foreign Host with 403 HOST_NOT_ALLOWED over REST and Connect, and accepts loopback names on any port", async () => {
      const rest = await rawRequest(server.port, "GET", "/api/health", { host: "attacker.example" });
      expect(rest.status).to.equal(403);
      expect(reasonOf(JSON.parse(rest.text))).to.equal("HOST_NOT_ALLOWED");
      const connect = await rawRequest(
        server.port,
        "POST",
        "/commander.v1.ProjectService/ListProjects",
        { host: "attacker.example:80", "content-type": "application/json" },
        "{}",
      );
      expect(connect.status).to.equal(403);
      expect(JSON.parse(connect.text).code).to.equal("permission_denied");
      // Node itself refuses an HTTP/1.1 request without Host (400).
      expect((await rawRequest(server.port, "GET", "/api/health", {})).status, "no Host at all").to.be.oneOf([400, 403]);
      for (const name of ["localhost:1", "LOCALHOST", "127.0.0.1:9", "[::1]:8765"]) {
        expect((await rawRequest(server.port, "GET", "/api/health", { host: name })).status, name).to.equal(200);
      }
    });

    it("refuses a request with a foreign Origin with 403 FORBIDDEN_ORIGIN, and answers no CORS", async () => {
      for (const origin of ["https://evil.example", "null", "http://127.0.0.1:1234", "https://ui.example.evil"]) {
        const answer = await rawRequest(server.port, "GET", "/api/projects", { host: "localhost", origin });
        expect(answer.status, origin).to.equal(403);
        expect(reasonOf(JSON.parse(answer.text))).to.equal("FORBIDDEN_ORIGIN");
        expect(answer.headers["access-control-allow-origin"]).to.equal(undefined);
        const preflight = await rawRequest(server.port, "OPTIONS", "/api/projects", {
          host: "localhost",
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        });
        expect(preflight.status).to.equal(403);
        expect(preflight.headers["access-control-allow-origin"]).to.equal(undefined);
      }
    });

    it("answers the preflight of a configured origin and adds CORS headers to its requests", async () => {
      const preflight = await rawRequest(server.port, "OPTIONS", "/commander.v1.ProjectService/ListProjects", {
        host: "localhost",
        origin: "https://ui.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, authorization, connect-protocol-version",
      });
      expect(preflight.status).to.equal(204);
      expect(preflight.headers["access-control-allow-origin"]).to.equal("https://ui.example");
      expect(preflight.headers["access-control-allow-headers"]).to.match(/Authorization/);
      const answer = await rawRequest(server.port, "GET", "/api/projects", { host: "localhost", origin: "https://ui.example" });
      expect(answer.status).to.equal(200);
      expect(answer.headers["access-control-allow-origin"]).to.equal("https://ui.example");
      expect(answer.headers.vary).to.match(/Origin/);
    });

    it("refuses a state-changing request with a form content type (what a cross-site form can send) with 415", async () => {
      for (const type of ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain;charset=UTF-8"]) {
        const answer = await rawRequest(server.port, "POST", "/api/projects/p1/pause", { host: "localhost", "content-type": type }, "");
        expect(answer.status, type).to.equal(415);
        expect(reasonOf(JSON.parse(answer.text))).to.equal("UNSUPPORTED_MEDIA_TYPE");
      }
    });
  });

  describe("limits", () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ maxStreamsPerClient: 2, maxBodyBytes: 1024 });
      server.fixture.watch.endAfterHistory = false;
    });
    after(() => server.close());

    it("refuses a client's stream beyond max_streams_per_client with 429 TOO_MANY_STREAMS, over REST and RPC, and frees the slot when a stream closes", async () => {
      const first = await openStream(server.baseUrl, "/api/changes");
      const second = await openStream(server.baseUrl, "/api/events/stream");
      try {
        const third = await rawRequest(server.port, "GET", "/api/changes", { host: `127.0.0.1:${server.port}` });
        expect(third.status).to.equal(429);
        const json = JSON.parse(third.text);
        expect(json.code).to.equal(8);
        expect(reasonOf(json)).to.equal("TOO_MANY_STREAMS");
        expect(json.message).to.match(/max_streams_per_client is 2/);
        const viaConnect = await firstStreamError(createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }));
        expect(viaConnect.code).to.equal(Code.ResourceExhausted);
        const viaGrpcWeb = await firstStreamError(createGrpcWebTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }));
        expect(viaGrpcWeb.code).to.equal(Code.ResourceExhausted);
        // Unary calls are not streams.
        expect((await rawRequest(server.port, "GET", "/api/projects", { host: "localhost" })).status).to.equal(200);
      } finally {
        first.close();
        second.close();
      }
      await waitFor(() => server.fixture.watch.active === 0, "the streams to close");
      const again = await openStream(server.baseUrl, "/api/changes");
      expect(again.status).to.equal(200);
      again.close();
    });

    it("refuses an RPC message larger than the body limit with RESOURCE_EXHAUSTED", async () => {
      const transport = createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" });
      const error = await rpcError(createClient(ProjectService, transport).registerProject({ path: "/".repeat(5000) }));
      expect(error.code).to.equal(Code.ResourceExhausted);
      const rest = await rawRequest(server.port, "POST", "/api/projects", { host: "localhost", "content-type": "application/json" }, JSON.stringify({ path: "x".repeat(5000) }));
      expect(rest.status).to.equal(413);
    });

    it("survives a client that opens connections and sends garbage", async () => {
      for (const garbage of ["\x00\x01\x02", "GET /api/health HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\ngarbage"]) {
        await new Promise<void>((resolve) => {
          const socket = net.connect(server.port, "127.0.0.1", () => socket.end(garbage));
          socket.on("error", () => resolve());
          socket.on("close", () => resolve());
          socket.resume();
        });
      }
      expect((await rawRequest(server.port, "GET", "/api/health", { host: "localhost" })).status).to.equal(200);
    });
  });
});
