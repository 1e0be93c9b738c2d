import { getEventListeners } from "node:events";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import { expect } from "chai";
import { ProjectSchema, ProjectState } from "../../gen/es/commander/v1/project_pb.js";
import { ProjectService } from "../../gen/es/commander/v1/project_service_pb.js";
import { createServer, type CommanderServer } from "../../src/server/create-server.js";
import { testLogger, waitFor } from "../server/fixtures/test-server.js";

// Unary REST calls reach the service implementation directly (no in-memory transport): these pin what
// the implementation and the interceptors still see.
describe("REST unary calls made directly on the implementation", () => {
  let server: CommanderServer;
  let baseUrl: string;
  let seen: { context: HandlerContext; projectId: string } | undefined;
  let hold: { started: boolean; aborted: unknown } = { started: false, aborted: undefined };
  const intercepted: string[] = [];
  const tagging: Interceptor = (next) => async (req) => {
    intercepted.push(`${req.method.name} ${req.header.get("x-request-id") ?? ""}`);
    const response = await next({ ...req });
    return response;
  };

  before(async () => {
    server = createServer({
      logger: testLogger(),
      registerRoutes: (router) =>
        router.service(
          ProjectService,
          {
            listProjects: () => ({ projects: [create(ProjectSchema, { id: "p1", path: "/tmp/p1", state: ProjectState.IDLE })] }),
            getProject(request, context) {
              seen = { context, projectId: request.projectId };
              return { project: create(ProjectSchema, { id: request.projectId, path: "/tmp/x" }) };
            },
            async pauseProject(_request, context) {
              hold.started = true;
              await new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve(), { once: true }));
              hold.aborted = context.signal.reason;
              throw context.signal.reason;
            },
          },
          { interceptors: [tagging] },
        ),
    });
    baseUrl = `http://127.0.0.1:${(await server.listen(0, "127.0.0.1")).port}`;
  });

  after(async () => {
    await server.close();
  });

  it("holds no listener on the shutdown signal for a call whose implementation never reads its signal", async () => {
    const before = getEventListeners(server.shutdownSignal, "abort").length;
    const response = await fetch(`${baseUrl}/api/projects`);
    expect(response.status).to.equal(200);
    expect(await response.json()).to.have.nested.property("projects[0].id", "p1");
    expect(getEventListeners(server.shutdownSignal, "abort")).to.have.length(before);
  });

  it("passes the bound request, the forwarded headers and the request id to interceptors and the implementation", async () => {
    const response = await fetch(`${baseUrl}/api/projects/abc`, { headers: { "x-request-id": "req-42", "x-custom": "yes" } });
    expect(response.status).to.equal(200);
    expect(response.headers.get("x-request-id")).to.equal("req-42");
    expect(seen?.projectId).to.equal("abc");
    expect(seen?.context.requestHeader.get("x-custom")).to.equal("yes");
    expect(seen?.context.requestHeader.get("x-request-id")).to.equal("req-42");
    expect(seen?.context.requestHeader.has("host"), "hop-by-hop headers are not forwarded").to.equal(false);
    expect(seen?.context.method.name).to.equal("GetProject");
    expect(seen?.context.signal.aborted).to.equal(false);
    expect(intercepted).to.include("GetProject req-42");
  });

  it("aborts the implementation's signal with CANCELED when the client goes away mid-call", async () => {
    hold = { started: false, aborted: undefined };
    const client = new AbortController();
    const call = fetch(`${baseUrl}/api/projects/p1/pause`, { method: "POST", signal: client.signal }).catch((err: unknown) => err);
    await waitFor(() => hold.started, "the call to start");
    client.abort();
    await call;
    await waitFor(() => hold.aborted !== undefined, "the implementation to see the abort");
    expect(hold.aborted).to.be.instanceOf(ConnectError);
    expect((hold.aborted as ConnectError).code).to.equal(Code.Canceled);
  });
});
