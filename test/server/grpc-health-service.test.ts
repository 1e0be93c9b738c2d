import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { credentials, status as grpcStatus } from "@grpc/grpc-js";
import { expect } from "chai";
import { Health, HealthCheckResponse_ServingStatus as Serving } from "../../gen/es/grpc/health/v1/health_pb.js";
import {
  HealthCheckResponse_ServingStatus as TsServing,
  HealthClient,
} from "../../gen/tsproto/grpc/health/v1/health.js";
import type { HealthCheckRequest, HealthCheckResponse } from "../../gen/tsproto/grpc/health/v1/health.js";
import { callUnary } from "./fixtures/grpc-js.js";
import { startTestServer, waitFor } from "./fixtures/test-server.js";
import type { TestServer } from "./fixtures/test-server.js";

describe("gRPC health service", () => {
  let server: TestServer;
  let client: HealthClient;
  const check = (service: string) =>
    callUnary<HealthCheckRequest, HealthCheckResponse>(client.check.bind(client), { service });

  before(async () => {
    server = await startTestServer();
    client = new HealthClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it("reports SERVING for the server as a whole", async () => {
    expect((await check("")).status).to.equal(TsServing.SERVING);
  });

  it("reports SERVING for every registered service, itself and reflection included", async () => {
    for (const name of ["commander.v1.ProjectService", "commander.v1.WatchService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"]) {
      expect((await check(name)).status, name).to.equal(TsServing.SERVING);
    }
  });

  it("answers NOT_FOUND for an unknown service", async () => {
    const error = await check("commander.v1.NoSuchService").then(
      () => expect.fail("expected NOT_FOUND"),
      (reason: { code: number }) => reason,
    );
    expect(error.code).to.equal(grpcStatus.NOT_FOUND);
  });

  it("lists the services with their status", async () => {
    const sessionManager = new Http2SessionManager(server.baseUrl);
    try {
      const health = createClient(Health, createGrpcTransport({ baseUrl: server.baseUrl, sessionManager }));
      const listed = await health.list({});
      expect(listed.statuses["commander.v1.ProjectService"]?.status).to.equal(Serving.SERVING);
    } finally {
      sessionManager.abort();
    }
  });

  it("streams the status from Watch, then holds until the client cancels", async () => {
    const sessionManager = new Http2SessionManager(server.baseUrl);
    const controller = new AbortController();
    try {
      const health = createClient(Health, createGrpcTransport({ baseUrl: server.baseUrl, sessionManager }));
      const received: Serving[] = [];
      const watching = (async () => {
        for await (const response of health.watch({ service: "nope" }, { signal: controller.signal })) {
          received.push(response.status);
        }
      })().catch((reason) => ConnectError.from(reason));
      await waitFor(() => received.length === 1, "the first status");
      expect(received).to.deep.equal([Serving.SERVICE_UNKNOWN]);
      controller.abort();
      const ended = await watching;
      expect(ended).to.be.instanceOf(ConnectError);
      expect((ended as ConnectError).code).to.equal(Code.Canceled);
      expect(received).to.have.length(1);
    } finally {
      sessionManager.abort();
    }
  });
});
