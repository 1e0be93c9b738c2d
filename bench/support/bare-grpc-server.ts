// The baseline for the gRPC figures: a bare `@grpc/grpc-js` server, in its own process like the daemon,
// implementing the same methods with the same generated code (ts-proto stubs) and answering what the
// daemon answered. Run with `node --import tsx bare-grpc-server.ts <options.json>`, where the options hold
// the responses as proto3 JSON: { "health": GetHealthResponse, "projects": ListProjectsResponse }.
// Prints "listening <port>".
import { readFile } from "node:fs/promises";
import * as grpc from "@grpc/grpc-js";
import { GetHealthResponse, HealthServiceService } from "../../gen/tsproto/commander/v1/health_service.js";
import { ListProjectsResponse, ProjectServiceService } from "../../gen/tsproto/commander/v1/project_service.js";

const options = JSON.parse(await readFile(process.argv[2]!, "utf8")) as { health: unknown; projects: unknown };
const health = GetHealthResponse.fromJSON(options.health);
const projects = ListProjectsResponse.fromJSON(options.projects);
const unimplemented: grpc.handleUnaryCall<unknown, unknown> = (_call, callback) =>
  callback({ code: grpc.status.UNIMPLEMENTED, details: "not part of the baseline" });

const server = new grpc.Server();
server.addService(HealthServiceService, {
  getHealth: (_call: unknown, callback: grpc.sendUnaryData<GetHealthResponse>) => callback(null, health),
  acknowledgeProblems: unimplemented,
});
const projectHandlers: Record<string, grpc.UntypedHandleCall> = {};
for (const name of Object.keys(ProjectServiceService)) projectHandlers[name] = unimplemented;
projectHandlers.listProjects = (_call: unknown, callback: grpc.sendUnaryData<ListProjectsResponse>) => callback(null, projects);
server.addService(ProjectServiceService, projectHandlers);

server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`listening ${port}\n`);
});
process.on("SIGTERM", () => server.tryShutdown(() => process.exit(0)));
