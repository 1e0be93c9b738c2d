import { getEventListeners } from "node:events";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { expect } from "chai";
import { ProjectSchema, ProjectState } from "../../gen/es/commander/v1/project_pb.js";
import { ProjectService } from "../../gen/es/commander/v1/project_service_pb.js";
import { createServer, type CommanderServer } from "../../src/server/create-server.js";
import { testLogger, waitFor } from "./fixtures/test-server.js";

// Writes wait for the journal's fsync, so under load many calls are in flight at once: each holds one
// listener on the server-wide shutdown signal (to end with UNAVAILABLE at shutdown) until it ends.
describe("the server-wide shutdown signal under many concurrent calls", () => {
  const CALLS = 60;
  let server: CommanderServer;
  let baseUrl: string;
  let inFlight = 0;
  let release: () => void = () => undefined;
  let gate: Promise<void>;
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);

  before(async () => {
    gate = new Promise<void>((resolve) => (release = resolve));
    server = createServer({
      logger: testLogger(),
      registerRoutes: (router) =>
        router.service(ProjectService, {
          async registerProject(request, context) {
            // Over REST the call's signal is made when the implementation first reads it (as a hook call does).
            context.signal.throwIfAborted();
            inFlight++;
            await gate;
            inFlight--;
            return { project: create(ProjectSchema, { id: request.projectId, path: request.path, state: ProjectState.IDLE }) };
          },
        }),
    });
    baseUrl = `http://127.0.0.1:${(await server.listen(0, "127.0.0.1")).port}`;
    process.on("warning", onWarning);
  });

  after(async () => {
    process.off("warning", onWarning);
    release();
    await server.close();
  });

  it("prints no MaxListenersExceededWarning, holds one listener per call in flight and none once they end, over REST and RPC", async () => {
    const baseline = getEventListeners(server.shutdownSignal, "abort").length;
    const sessions = new Http2SessionManager(baseUrl);
    const client = createClient(ProjectService, createConnectTransport({ baseUrl, httpVersion: "2", sessionManager: sessions }));
    const calls: Array<Promise<unknown>> = [];
    for (let index = 0; index < CALLS; index++) {
      calls.push(
        fetch(`${baseUrl}/api/projects`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ path: `/tmp/rest-${index}`, project_id: `rest-${index}` }),
        }).then((res) => res.text()),
      );
      calls.push(client.registerProject({ path: `/tmp/rpc-${index}`, projectId: `rpc-${index}` }));
    }
    try {
      await waitFor(() => inFlight === 2 * CALLS, `${2 * CALLS} calls in flight`, 20_000);
      // One listener per call in flight, no more.
      expect(getEventListeners(server.shutdownSignal, "abort")).to.have.length(baseline + 2 * CALLS);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((warning) => `${warning.name}: ${warning.message}`)).to.deep.equal([]);
    } finally {
      release();
      await Promise.all(calls);
      sessions.abort();
    }
    expect(getEventListeners(server.shutdownSignal, "abort")).to.have.length(baseline);
  });
});
