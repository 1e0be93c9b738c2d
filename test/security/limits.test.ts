import * as http from "node:http";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { expect } from "chai";
import { ProjectService } from "../../gen/es/commander/v1/project_service_pb.js";
import { WatchService } from "../../gen/es/commander/v1/watch_service_pb.js";
import { rest } from "../support/rest-client.js";
import { expectRestError, rawRequest, asRestResponse, registerPausedProject, startE2eDaemon, type E2eDaemon } from "../e2e/support/e2e-daemon.js";
import { rpcCases } from "./support/api-surface.js";
import { openTransport, PROTOCOLS } from "./support/protocol-calls.js";

// Every limit answers the same way on every protocol: RESOURCE_EXHAUSTED (HTTP 429; 413 for a body that
// is too large), with a reason and a message that names the setting.

const LIMITS = {
  COMMANDER_MAX_PROJECTS: "2",
  COMMANDER_MAX_QUEUED_PER_PROJECT: "3",
  COMMANDER_MAX_STREAMS_PER_CLIENT: "2",
  COMMANDER_MAX_BODY_BYTES: "4096",
  COMMANDER_MAX_CONTENT_BYTES: "1024",
};

interface HeldStream {
  status: number;
  close(): void;
}

/** Opens a REST stream and keeps it open; resolves once its headers arrive. */
function holdStream(url: string, path: string, accept = "application/x-ndjson"): Promise<HeldStream> {
  return new Promise((resolve, reject) => {
    const req = http.request(url + path, { headers: { accept }, agent: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, close: () => req.destroy() });
    });
    req.on("error", (error: NodeJS.ErrnoException) => (error.code === "ECONNRESET" ? undefined : reject(error)));
    req.end();
  });
}

describe("security: limits", function () {
  this.timeout(60_000);
  let daemon: E2eDaemon;
  let pausedProjectId: string;

  before(async function () {
    daemon = await startE2eDaemon({ env: LIMITS });
  });
  after(async function () {
    await daemon?.dispose();
  });

  it("answers a project beyond max_projects with 429 PROJECT_LIMIT_REACHED, over REST and RPC", async function () {
    const first = await registerPausedProject(daemon);
    await registerPausedProject(daemon);
    const third = await rest(daemon.url, "POST", "/api/projects", { path: await daemon.newProjectDir() });
    expectRestError(third, 429, "PROJECT_LIMIT_REACHED");
    expect(third.body.code).to.equal(Code.ResourceExhausted);
    const open = openTransport("Connect over HTTP/1.1", daemon.url);
    const error = await createClient(ProjectService, open.transport)
      .registerProject({ path: await daemon.newProjectDir() })
      .then(() => undefined, (reason: unknown) => ConnectError.from(reason));
    expect(error?.code).to.equal(Code.ResourceExhausted);
    // Room again once one is removed.
    expect((await rest(daemon.url, "DELETE", `/api/projects/${first.id}`)).status).to.equal(204);
  });

  it("answers work beyond max_queued_per_project with 429 QUEUE_FULL on both routes", async function () {
    const project = await registerPausedProject(daemon);
    pausedProjectId = project.id;
    for (let i = 0; i < 3; i++) {
      expect((await rest(daemon.url, "POST", "/api/work", { project_id: project.id, content: `item ${i}` })).status).to.equal(201);
    }
    expectRestError(await rest(daemon.url, "POST", "/api/work", { project_id: project.id, content: "one too many" }), 429, "QUEUE_FULL");
    expectRestError(await rest(daemon.url, "POST", `/api/projects/${project.id}/work`, { content: "one too many" }), 429, "QUEUE_FULL");
  });

  it("answers a stream beyond max_streams_per_client with 429 TOO_MANY_STREAMS on every protocol, and frees the slot on close", async function () {
    const held = [await holdStream(daemon.url, "/api/changes"), await holdStream(daemon.url, "/api/events/stream", "text/event-stream")];
    try {
      expect(held.map((stream) => stream.status)).to.deep.equal([200, 200]);
      const refused = asRestResponse(await rawRequest(daemon.url, "GET", "/api/changes"));
      expectRestError(refused, 429, "TOO_MANY_STREAMS", "max_streams_per_client");
      for (const protocol of PROTOCOLS) {
        const open = openTransport(protocol, daemon.url);
        try {
          const error = await (async () => {
            for await (const _ of createClient(WatchService, open.transport).watchChanges({})) return undefined;
          })().then(() => undefined, (reason: unknown) => ConnectError.from(reason));
          expect(error?.code, protocol).to.equal(Code.ResourceExhausted);
        } finally {
          open.close();
        }
      }
      const watch = rpcCases().find((rpc) => rpc.path === "/commander.v1.WatchService/WatchChanges")!;
      const client = new grpc.Client(`127.0.0.1:${daemon.port}`, grpc.credentials.createInsecure());
      const code = await new Promise<number>((resolve) => {
        const call = client.makeServerStreamRequest(watch.path, () => Buffer.alloc(0), (bytes: Buffer) => bytes, {});
        call.on("error", () => undefined);
        call.on("data", () => undefined);
        call.on("status", (status: grpc.StatusObject) => resolve(status.code));
      });
      client.close();
      expect(code, "@grpc/grpc-js").to.equal(grpc.status.RESOURCE_EXHAUSTED);
      // Unary calls are not streams.
      expect((await rest(daemon.url, "GET", "/api/projects")).status).to.equal(200);
    } finally {
      for (const stream of held) stream.close();
    }
    const again = await (async () => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const stream = await holdStream(daemon.url, "/api/changes");
        if (stream.status === 200) return stream;
        stream.close();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error("the closed streams' slots were never freed");
    })();
    again.close();
  });

  it("answers a body beyond max_body_bytes with 413 BODY_TOO_LARGE over REST and RESOURCE_EXHAUSTED over RPC", async function () {
    const body = JSON.stringify({ path: "x".repeat(5000) });
    expectRestError(asRestResponse(await rawRequest(daemon.url, "POST", "/api/projects", body, { "content-type": "application/json" })), 413, "BODY_TOO_LARGE", "4096");
    for (const protocol of PROTOCOLS) {
      const open = openTransport(protocol, daemon.url);
      try {
        const error = await createClient(ProjectService, open.transport)
          .registerProject({ path: "x".repeat(5000) })
          .then(() => undefined, (reason: unknown) => ConnectError.from(reason));
        expect(error?.code, protocol).to.equal(Code.ResourceExhausted);
      } finally {
        open.close();
      }
    }
  });

  it("answers content beyond max_content_bytes with 400 naming the limit", async function () {
    const res = await rest(daemon.url, "POST", "/api/inbox", { project_id: pausedProjectId, content: "x".repeat(1025) });
    expectRestError(res, 400, "INVALID_ARGUMENT", "1024");
  });
});
