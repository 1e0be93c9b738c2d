import * as http2 from "node:http2";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { credentials, status as grpcStatus } from "@grpc/grpc-js";
import { expect } from "chai";
import { ProjectState } from "../../gen/es/commander/v1/project_pb.js";
import { ProjectService } from "../../gen/es/commander/v1/project_service_pb.js";
import { ChangeKind, ChangeSchema, WatchService } from "../../gen/es/commander/v1/watch_service_pb.js";
import { ErrorInfoSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import { ProjectServiceClient } from "../../gen/tsproto/commander/v1/project_service.js";
import type {
  GetProjectRequest,
  GetProjectResponse,
  RegisterProjectRequest,
  RegisterProjectResponse,
} from "../../gen/tsproto/commander/v1/project_service.js";
import { WatchServiceClient } from "../../gen/tsproto/commander/v1/watch_service.js";
import { createServer } from "../../src/server/create-server.js";
import { serviceWithRules } from "../gateway/fixtures/runtime-service.js";
import { ndjsonLines, openStream } from "../gateway/fixtures/stream-client.js";
import { callUnary, readAll, streamError } from "./fixtures/grpc-js.js";
import { createFixture, fixtureRoutes } from "./fixtures/test-services.js";
import { startTestServer, testLogger, waitFor } from "./fixtures/test-server.js";
import type { TestServer } from "./fixtures/test-server.js";

describe("createServer", () => {
  describe("one port for every protocol", () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer();
    });
    after(async () => {
      await server.close();
    });

    describe("gRPC through @grpc/grpc-js and the ts-proto client", () => {
      let projects: ProjectServiceClient;
      let watch: WatchServiceClient;
      before(() => {
        projects = new ProjectServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
        watch = new WatchServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
      });
      after(() => {
        projects.close();
        watch.close();
      });

      it("answers unary calls", async () => {
        const registered = await callUnary<RegisterProjectRequest, RegisterProjectResponse>(
          projects.registerProject.bind(projects),
          { path: "/tmp/grpc", name: "", projectId: "g1", runtime: "", permissionMode: "", model: "", permissionTimeoutSeconds: 0 },
        );
        expect(registered.project?.state).to.equal(ProjectState.IDLE);
        const got = await callUnary<GetProjectRequest, GetProjectResponse>(projects.getProject.bind(projects), {
          projectId: "g1",
        });
        expect(got.project).to.include({ id: "g1", name: "grpc", stateReason: undefined });
        expect(got.project?.createdAt).to.be.instanceOf(Date);
      });

      it("maps errors to gRPC status codes", async () => {
        const error = await callUnary(projects.getProject.bind(projects), { projectId: "missing" }).then(
          () => expect.fail("expected an error"),
          (reason: { code: number; details: string }) => reason,
        );
        expect(error.code).to.equal(grpcStatus.NOT_FOUND);
        expect(error.details).to.equal("project missing not found");
      });

      it("serves server streams", async () => {
        const changes = await readAll(watch.watchChanges({ projectId: "", kinds: [], afterSeq: 1n }));
        expect(changes.map((change) => change.change?.seq)).to.deep.equal([2n, 3n]);
      });
    });

    for (const httpVersion of ["1.1", "2"] as const) {
      it(`serves Connect over HTTP/${httpVersion}: unary and server streaming`, async () => {
        const sessionManager = httpVersion === "2" ? new Http2SessionManager(server.baseUrl) : undefined;
        const transport =
          httpVersion === "2"
            ? createConnectTransport({ baseUrl: server.baseUrl, httpVersion, sessionManager })
            : createConnectTransport({ baseUrl: server.baseUrl, httpVersion });
        try {
          const registered = await createClient(ProjectService, transport).registerProject({ path: "/tmp/c", projectId: `c${httpVersion}` });
          expect(registered.project?.id).to.equal(`c${httpVersion}`);
          const seqs: bigint[] = [];
          for await (const response of createClient(WatchService, transport).watchChanges({})) {
            seqs.push(response.change?.seq ?? 0n);
          }
          expect(seqs).to.deep.equal([1n, 2n, 3n]);
        } finally {
          sessionManager?.abort();
        }
      });
    }

    it("serves gRPC-Web over HTTP/1.1", async () => {
      const transport = createGrpcWebTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" });
      const error = await createClient(ProjectService, transport).getProject({ projectId: "none" }).catch((reason) => reason);
      expect(ConnectError.from(error).code).to.equal(Code.NotFound);
      const seqs: bigint[] = [];
      for await (const response of createClient(WatchService, transport).watchChanges({ afterSeq: 2n })) {
        seqs.push(response.change?.seq ?? 0n);
      }
      expect(seqs).to.deep.equal([3n]);
    });

    it("serves gRPC through Connect's gRPC transport over h2c", async () => {
      const sessionManager = new Http2SessionManager(server.baseUrl);
      try {
        const transport = createGrpcTransport({ baseUrl: server.baseUrl, sessionManager });
        const listed = await createClient(ProjectService, transport).listProjects({});
        expect(listed.projects).to.be.an("array");
      } finally {
        sessionManager.abort();
      }
    });

    it("serves Connect JSON with proto field names", async () => {
      const response = await fetch(`${server.baseUrl}/commander.v1.ProjectService/RegisterProject`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ path: "/tmp/json", project_id: "j1" }),
      });
      const body = (await response.json()) as { project: Record<string, unknown> };
      expect(body.project).to.include({ id: "j1", state: "PROJECT_STATE_IDLE", created_at: "2026-01-02T03:04:05Z" });
    });

    it("serves REST over h2c, several requests on one connection", async () => {
      const session = http2.connect(server.baseUrl);
      const get = (path: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const stream = session.request({ ":path": path });
          let status = 0;
          let body = "";
          stream.setEncoding("utf8");
          stream.on("response", (headers) => (status = Number(headers[":status"])));
          stream.on("data", (chunk: string) => (body += chunk));
          stream.on("end", () => resolve({ status, body }));
          stream.on("error", reject);
        });
      try {
        const health = await get("/api/health");
        expect(health.status).to.equal(200);
        expect(JSON.parse(health.body)).to.include({ status: "ok" });
        const changes = await get("/api/changes");
        expect(ndjsonLines(changes.body)).to.have.length(3);
        expect((await get("/api/nothing")).status).to.equal(404);
      } finally {
        session.close();
      }
    });
  });

  describe("lifecycle", () => {
    it("rejects listen on a port in use with EADDRINUSE", async () => {
      const first = await startTestServer();
      const second = createServer({ logger: testLogger(), registerRoutes: () => {} });
      try {
        const error = await second.listen(first.port, "127.0.0.1").catch((reason: NodeJS.ErrnoException) => reason);
        expect(error).to.have.property("code", "EADDRINUSE");
      } finally {
        await second.close();
        await first.close();
      }
    });

    it("calls registerRoutes once, so RPC and REST share the service implementations", async () => {
      let calls = 0;
      const routes = fixtureRoutes(createFixture());
      const server = createServer({
        logger: testLogger(),
        registerRoutes: (router) => {
          calls++;
          routes(router);
        },
      });
      try {
        await server.listen(0, "127.0.0.1");
        expect(calls).to.equal(1);
      } finally {
        await server.close();
      }
    });

    it("throws at creation when two REST routes are the same", () => {
      const service = serviceWithRules({
        First: { pattern: { case: "get", value: "/api/things/{id}" } },
        Second: { pattern: { case: "get", value: "/api/things/{id=*}" } },
      });
      expect(() =>
        createServer({ logger: testLogger(), registerRoutes: (router) => router.service(service, {}) }),
      ).to.throw(/duplicate REST route GET/);
    });

    it("ends open streams with UNAVAILABLE on close and closes quickly", async () => {
      const server = await startTestServer();
      server.fixture.watch.endAfterHistory = false;
      const grpc = new WatchServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
      const connect = createClient(WatchService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }));
      try {
        const grpcReceived: unknown[] = [];
        const grpcEnd = streamError(grpc.watchChanges({ projectId: "", kinds: [], afterSeq: 0n }), grpcReceived);
        const connectEnd = (async () => {
          for await (const _ of connect.watchChanges({ afterSeq: 3n })) {
            // drained until the server ends it
          }
        })().then(
          () => expect.fail("expected the Connect stream to fail"),
          (reason) => ConnectError.from(reason),
        );
        const rest = await openStream(server.baseUrl, "/api/changes?after_seq=3");
        await waitFor(() => server.fixture.watch.active === 3 && grpcReceived.length === 3, "three open streams");
        server.fixture.live.emit("change", create(ChangeSchema, { seq: 4n, kind: ChangeKind.PROJECT_CHANGED }));
        await rest.waitForText((text) => text.includes('"seq":"4"'), "a live change over REST");

        const started = Date.now();
        await server.close();
        expect(Date.now() - started).to.be.lessThan(1000);

        const grpcError = await grpcEnd;
        expect(grpcError.code).to.equal(grpcStatus.UNAVAILABLE);
        expect(grpcError.details).to.equal("server shutting down");
        const connectError = await connectEnd;
        expect(connectError.code).to.equal(Code.Unavailable);
        expect(connectError.findDetails(ErrorInfoSchema).map((info) => info.reason)).to.deep.equal(["SHUTTING_DOWN"]);
        await rest.ended;
        const lines = ndjsonLines(rest.text());
        expect(lines.at(-1)).to.deep.equal({
          error: {
            code: 14,
            message: "server shutting down",
            details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "SHUTTING_DOWN", domain: "commander", metadata: {} }],
          },
        });
        expect(server.fixture.watch.active).to.equal(0);
      } finally {
        grpc.close();
        await server.close();
      }
    });

    it("closes idle HTTP/1.1 and HTTP/2 connections quickly", async () => {
      const server = await startTestServer();
      const session = http2.connect(server.baseUrl);
      try {
        await new Promise<void>((resolve, reject) => {
          const stream = session.request({ ":path": "/api/health" });
          stream.on("end", () => resolve()).on("error", reject).resume();
        });
        const keepAlive = await fetch(`${server.baseUrl}/api/health`);
        expect(keepAlive.status).to.equal(200);
        await keepAlive.text();
        const started = Date.now();
        await server.close();
        expect(Date.now() - started).to.be.lessThan(1000);
      } finally {
        session.destroy();
      }
    });

    it("exposes a shutdown signal aborted with UNAVAILABLE by close", async () => {
      const server = createServer({ logger: testLogger(), registerRoutes: () => {} });
      expect(server.shutdownSignal.aborted).to.equal(false);
      await server.close();
      expect(server.shutdownSignal.aborted).to.equal(true);
      expect(ConnectError.from(server.shutdownSignal.reason).code).to.equal(Code.Unavailable);
      await server.close();
    });
  });
});
