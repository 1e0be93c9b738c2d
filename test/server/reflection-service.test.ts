import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { credentials } from "@grpc/grpc-js";
import { expect } from "chai";
import { ServerReflectionClient } from "../../gen/tsproto/grpc/reflection/v1/reflection.js";
import type { ServerReflectionRequest, ServerReflectionResponse } from "../../gen/tsproto/grpc/reflection/v1/reflection.js";
import { startTestServer } from "./fixtures/test-server.js";
import type { TestServer } from "./fixtures/test-server.js";

describe("gRPC server reflection", () => {
  let server: TestServer;
  let client: ServerReflectionClient;

  /** Sends requests on one bidi stream and collects one answer per request. */
  function ask(...requests: Partial<ServerReflectionRequest>[]): Promise<ServerReflectionResponse[]> {
    return new Promise((resolve, reject) => {
      const call = client.serverReflectionInfo();
      const answers: ServerReflectionResponse[] = [];
      call.on("data", (answer: ServerReflectionResponse) => {
        answers.push(answer);
        if (answers.length === requests.length) {
          call.end();
        }
      });
      call.on("end", () => resolve(answers));
      call.on("error", reject);
      for (const request of requests) {
        call.write({ host: "", ...request });
      }
    });
  }

  function fileNames(answer: ServerReflectionResponse): string[] {
    return (answer.fileDescriptorResponse?.fileDescriptorProto ?? []).map(
      (bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name,
    );
  }

  before(async () => {
    server = await startTestServer();
    client = new ServerReflectionClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it("lists the registered services, health and reflection included", async () => {
    const [answer] = await ask({ listServices: "" });
    const names = answer.listServicesResponse?.service.map((service) => service.name);
    expect(names).to.include.members([
      "commander.v1.ProjectService",
      "commander.v1.WatchService",
      "commander.v1.AgentHookService",
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
    ]);
  });

  it("answers the file containing a symbol with its transitive dependencies", async () => {
    const [service, method, message] = await ask(
      { fileContainingSymbol: "commander.v1.ProjectService" },
      { fileContainingSymbol: "commander.v1.ProjectService.GetProject" },
      { fileContainingSymbol: "commander.v1.Project" },
    );
    expect(fileNames(service)[0]).to.equal("commander/v1/project_service.proto");
    expect(fileNames(service)).to.include.members([
      "commander/v1/project.proto",
      "google/api/annotations.proto",
      "google/api/http.proto",
      "google/protobuf/descriptor.proto",
      "google/protobuf/timestamp.proto",
    ]);
    expect(fileNames(method)[0]).to.equal("commander/v1/project_service.proto");
    expect(fileNames(message)[0]).to.equal("commander/v1/project.proto");
  });

  it("answers a file by name, and a nested symbol", async () => {
    const [byName, nested] = await ask(
      { fileByFilename: "commander/v1/watch_service.proto" },
      { fileContainingSymbol: "grpc.health.v1.HealthCheckResponse.ServingStatus" },
    );
    const file = fromBinary(FileDescriptorProtoSchema, byName.fileDescriptorResponse!.fileDescriptorProto[0]);
    expect(file.service.map((service) => service.name)).to.deep.equal(["WatchService"]);
    expect(fileNames(nested)).to.deep.equal(["grpc/health/v1/health.proto"]);
  });

  it("answers the extensions of a type", async () => {
    const [numbers, extension] = await ask(
      { allExtensionNumbersOfType: "google.protobuf.MethodOptions" },
      { fileContainingExtension: { containingType: "google.protobuf.MethodOptions", extensionNumber: 72295728 } },
    );
    expect(numbers.allExtensionNumbersResponse?.extensionNumber).to.deep.equal([72295728]);
    expect(fileNames(extension)[0]).to.equal("google/api/annotations.proto");
  });

  it("answers NOT_FOUND in an error response for an unknown file or symbol, and keeps the stream open", async () => {
    const [file, symbol, list] = await ask(
      { fileByFilename: "nope.proto" },
      { fileContainingSymbol: "commander.v1.Nope" },
      { listServices: "" },
    );
    expect(file.errorResponse).to.deep.equal({ errorCode: 5, errorMessage: "file nope.proto not found" });
    expect(symbol.errorResponse?.errorCode).to.equal(5);
    expect(list.listServicesResponse?.service.length).to.be.greaterThan(0);
    expect(file.originalRequest?.fileByFilename).to.equal("nope.proto");
  });
});
