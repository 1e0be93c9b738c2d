import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { GetHealthResponse, HealthServiceClient } from "../../gen/tsproto/commander/v1/health_service.js";
import { ListProjectsResponse, ProjectServiceClient } from "../../gen/tsproto/commander/v1/project_service.js";
import { benchDaemonEnv, registerProjects, startSectionDaemon } from "../support/bench-projects.js";
import type { BenchSection } from "../support/bench-section.js";
import { runGrpcLoad } from "../support/grpc-load.js";
import { alternate } from "../support/http-load.js";
import { startHelper } from "../support/helper-process.js";

interface Clients {
  health: HealthServiceClient;
  projects: ProjectServiceClient;
}

const unary = <T>(invoke: (callback: (error: grpc.ServiceError | null, response: T) => void) => unknown): Promise<T> =>
  new Promise((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response))));

/**
 * gRPC unary calls through the `@grpc/grpc-js` client (one channel, so one HTTP/2 connection, as a
 * typical client holds), against a bare grpc-js server implementing the same methods with the same
 * generated code. The load is a closed loop of 1 or 64 calls in flight.
 */
export const grpcSection: BenchSection = {
  id: "grpc",
  title: "gRPC unary throughput",
  baseline: "a bare `@grpc/grpc-js` server in its own process implementing the same methods (same ts-proto stubs) and answering the same messages",
  async run(context) {
    const { settings, report, workspace, cleanup } = context;
    const daemon = await startSectionDaemon(context, "grpc", benchDaemonEnv());
    const projectIds = await registerProjects(context, daemon, { prefix: "grpc", count: settings.rest.projects, paused: true });

    const connect = (port: number): Clients => {
      const address = `127.0.0.1:${port}`;
      const credentials = grpc.credentials.createInsecure();
      const health = new HealthServiceClient(address, credentials);
      // Same channel for both services: grpc-js shares a channel when the address and options match.
      const projects = new ProjectServiceClient(address, credentials);
      cleanup.add(`grpc clients ${address}`, () => {
        health.close();
        projects.close();
      });
      return { health, projects };
    };
    const commanderClients = connect(daemon.port);
    const health = await unary<GetHealthResponse>((done) => commanderClients.health.getHealth({}, done));
    const projects = await unary<ListProjectsResponse>((done) => commanderClients.projects.listProjects({ pageSize: 0, pageToken: "" }, done));
    if (projects.projects.length !== projectIds.length) throw new Error(`ListProjects answered ${projects.projects.length} projects`);

    const configFile = join(workspace.root, "bare-grpc.json");
    await writeFile(configFile, JSON.stringify({ health: GetHealthResponse.toJSON(health), projects: ListProjectsResponse.toJSON(projects) }));
    const bare = await startHelper(["--import", "tsx", join(import.meta.dirname, "..", "support", "bare-grpc-server.ts"), configFile]);
    cleanup.add("bare grpc server", () => bare.stop());
    const bareClients = connect(bare.port);

    const methods = [
      { label: "HealthService.GetHealth", call: (clients: Clients) => () => unary((done) => clients.health.getHealth({}, done)) },
      {
        label: `ProjectService.ListProjects (${projectIds.length} projects)`,
        call: (clients: Clients) => () => unary((done) => clients.projects.listProjects({ pageSize: 0, pageToken: "" }, done)),
      },
    ];
    for (const method of methods) {
      const commanderCall = method.call(commanderClients);
      const bareCall = method.call(bareClients);
      await runGrpcLoad(commanderCall, 16, settings.grpc.warmupS);
      await runGrpcLoad(bareCall, 16, settings.grpc.warmupS);
      for (const concurrency of settings.grpc.concurrency) {
        const { commander, baseline } = await alternate(
          (seconds) => runGrpcLoad(commanderCall, concurrency, seconds),
          (seconds) => runGrpcLoad(bareCall, concurrency, seconds),
          settings.grpc.durationS,
          settings.slices,
        );
        const where = `${method.label}, ${concurrency} in flight`;
        report.addLoad(where, " calls/s", commander, baseline);
      }
    }
    report.note("The client is the same grpc-js client loop in the benchmark process for both servers, so it caps both alike.");
  },
};
