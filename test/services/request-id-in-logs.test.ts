import { ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { expect } from "chai";
import { ProjectService } from "../../gen/es/commander/v1/project_service_pb.js";
import { createServer, type CommanderServer } from "../../src/server/create-server.js";
import { withErrorMapping } from "../../src/services/to-connect-error.js";
import { capturingLogger, plainRequest } from "../server/fixtures/raw-connections.js";
import { waitFor } from "../server/fixtures/test-server.js";

describe("request ids in the services' log lines", () => {
  let server: CommanderServer;
  let port: number;
  let log: ReturnType<typeof capturingLogger>;
  before(async () => {
    log = capturingLogger("info");
    server = createServer({
      logger: log.logger,
      registerRoutes: (router) =>
        router.service(
          ProjectService,
          withErrorMapping(
            {
              listProjects() {
                throw new Error("a bug inside the service");
              },
            },
            log.logger.child({ component: "rpc" }),
          ),
        ),
    });
    ({ port } = await server.listen(0, "127.0.0.1"));
  });
  after(async () => {
    await server.close();
  });

  const unexpectedErrorLine = async (requestId: string) => {
    await waitFor(() => log.records().some((record) => record.msg === "unexpected error" && record.requestId === requestId), `the error line of ${requestId}`);
    const line = log.records().find((record) => record.msg === "unexpected error" && record.requestId === requestId)!;
    expect((line.err as { message: string }).message).to.equal("a bug inside the service");
  };

  it("logs an internal error of a REST call with the id of the response header", async () => {
    const answer = await plainRequest(port, "GET", "/api/projects");
    expect(answer.status).to.equal(500);
    await unexpectedErrorLine(String(answer.headers["x-request-id"]));
  });

  it("logs an internal error of a Connect call with the id of the response header", async () => {
    const client = createClient(ProjectService, createConnectTransport({ baseUrl: `http://127.0.0.1:${port}`, httpVersion: "1.1" }));
    const failure = await client.listProjects({}).catch((error: unknown) => ConnectError.from(error));
    expect(failure).to.be.instanceOf(ConnectError);
    const id = (failure as ConnectError).metadata.get("x-request-id");
    expect(id).to.be.a("string");
    await unexpectedErrorLine(id!);
  });
});
