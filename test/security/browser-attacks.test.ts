import { Code } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { expect } from "chai";
import { rest } from "../support/rest-client.js";
import { rawRequest, registerPausedProject, startE2eDaemon, type E2eDaemon, type RawResponse } from "../e2e/support/e2e-daemon.js";
import { restCases, rpcCases } from "./support/api-surface.js";
import { callWithGrpcJs } from "./support/protocol-calls.js";

// A web page in the user's browser can reach a daemon on 127.0.0.1: directly (cross-site requests), or
// by DNS rebinding (its own name re-pointed at 127.0.0.1, so the browser thinks it is same-origin).
// Neither may change anything or read anything.

const CONFIGURED_ORIGIN = "https://ui.example";

function reasonOf(res: RawResponse): string | undefined {
  return (res.body?.details as Array<{ reason?: string }> | undefined)?.find((detail) => detail.reason)?.reason;
}

describe("security: browser attacks on a loopback daemon", function () {
  this.timeout(60_000);
  let daemon: E2eDaemon;
  let values: Record<string, string>;
  let projectDir: string;

  /** Everything the API lists: must be the same before and after refused requests. */
  async function snapshot(): Promise<string> {
    const parts = [];
    for (const path of ["/api/projects", "/api/work", "/api/sessions", "/api/inbox", "/api/events"]) {
      parts.push((await rest(daemon.url, "GET", path)).text);
    }
    return parts.join("\n");
  }

  /** A request per REST route of the proto, with the seeded ids and a plausible body. */
  function everyRoute(): Array<{ method: string; path: string; body?: string }> {
    return restCases().map((route) => ({
      method: route.httpMethod,
      path: route.path(values),
      body: route.hasBody ? JSON.stringify({ path: projectDir, content: "rm -rf ~", project_id: values.project_id, resolution: "yes" }) : undefined,
    }));
  }

  before(async function () {
    daemon = await startE2eDaemon({
      env: { COMMANDER_ALLOWED_ORIGINS: CONFIGURED_ORIGIN, COMMANDER_ALLOWED_HOSTS: "commander.internal" },
    });
    const project = await registerPausedProject(daemon);
    projectDir = await daemon.newProjectDir("unregistered");
    values = { project_id: project.id, work_id: "work-000000000000", event_id: "event-000000000000", session_id: "session-000000000000" };
  });
  after(async function () {
    await daemon?.dispose();
  });

  it("refuses every route when the Host header names a foreign site (DNS rebinding): 403 HOST_NOT_ALLOWED, nothing changes", async function () {
    const before = await snapshot();
    const wrong: string[] = [];
    for (const host of [`attacker.example:${daemon.port}`, "attacker.example", `127.0.0.1.attacker.example:${daemon.port}`, `localhost.:${daemon.port}`]) {
      for (const { method, path, body } of [...everyRoute(), { method: "GET", path: "/nowhere" }]) {
        const res = await rawRequest(daemon.url, method, path, body, { host, ...(body ? { "content-type": "application/json" } : {}) });
        if (res.status !== 403 || reasonOf(res) !== "HOST_NOT_ALLOWED") wrong.push(`${method} ${path} Host ${host}: ${res.status} ${res.text}`);
      }
    }
    expect(wrong).to.deep.equal([]);
    expect(await snapshot()).to.equal(before);
  });

  it("refuses Connect and gRPC-Web calls with a foreign Host in their own error format", async function () {
    const connect = await rawRequest(daemon.url, "POST", "/commander.v1.ProjectService/RegisterProject", JSON.stringify({ path: projectDir }), {
      host: "attacker.example",
      "content-type": "application/json",
    });
    expect(connect.status).to.equal(403);
    expect(connect.body.code).to.equal("permission_denied");
    const grpcWeb = await rawRequest(daemon.url, "POST", "/commander.v1.ProjectService/ListProjects", Buffer.from([0, 0, 0, 0, 0]), {
      host: "attacker.example",
      "content-type": "application/grpc-web+proto",
    });
    expect(grpcWeb.status).to.equal(200);
    expect(grpcWeb.text).to.match(new RegExp(`grpc-status: ?${Code.PermissionDenied}\\b`));
  });

  it("refuses gRPC calls whose :authority is a foreign name", async function () {
    const rpc = rpcCases().find((candidate) => candidate.path === "/commander.v1.ProjectService/ListProjects")!;
    const client = new grpc.Client(`127.0.0.1:${daemon.port}`, grpc.credentials.createInsecure(), { "grpc.default_authority": "attacker.example" });
    const status = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest(rpc.path, () => Buffer.alloc(0), (bytes: Buffer) => bytes, {}, (error) => resolve(error)),
    );
    client.close();
    expect(status?.code).to.equal(grpc.status.PERMISSION_DENIED);
    // The same call with the daemon's own address as authority goes through.
    expect((await callWithGrpcJs(`127.0.0.1:${daemon.port}`, rpc, {})).code).to.equal(grpc.status.OK);
  });

  it("serves the daemon's own names on any port, and the configured allowed_hosts", async function () {
    for (const host of [`127.0.0.1:${daemon.port}`, `localhost:${daemon.port}`, "localhost", `[::1]:${daemon.port}`, "commander.internal:443"]) {
      const res = await rawRequest(daemon.url, "GET", "/api/health", undefined, { host });
      expect(res.status, host).to.equal(200);
    }
  });

  it("refuses every route called with a foreign Origin: 403 FORBIDDEN_ORIGIN without CORS headers, nothing changes", async function () {
    const before = await snapshot();
    const wrong: string[] = [];
    const origins = ["https://evil.example", "null", `http://127.0.0.1:${daemon.port + 1}`, "https://ui.example.evil.com", "http://ui.example"];
    for (const origin of origins) {
      for (const { method, path, body } of everyRoute()) {
        const res = await rawRequest(daemon.url, method, path, body, { origin, ...(body ? { "content-type": "application/json" } : {}) });
        if (res.status !== 403 || reasonOf(res) !== "FORBIDDEN_ORIGIN" || res.headers["access-control-allow-origin"] !== undefined) {
          wrong.push(`${method} ${path} Origin ${origin}: ${res.status} ${res.text}`);
        }
      }
    }
    expect(wrong).to.deep.equal([]);
    expect(await snapshot()).to.equal(before);
  });

  it("answers CORS preflights only for configured origins", async function () {
    const preflight = (origin: string) =>
      rawRequest(daemon.url, "OPTIONS", "/api/projects", undefined, {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      });
    const refused = await preflight("https://evil.example");
    expect(refused.status).to.equal(403);
    expect(refused.headers["access-control-allow-origin"]).to.equal(undefined);
    const allowed = await preflight(CONFIGURED_ORIGIN);
    expect(allowed.status).to.equal(204);
    expect(allowed.headers["access-control-allow-origin"]).to.equal(CONFIGURED_ORIGIN);
    expect(allowed.headers["access-control-allow-methods"]).to.include("POST");
    expect(allowed.headers["access-control-allow-headers"]).to.match(/authorization/i);
    const call = await rawRequest(daemon.url, "GET", "/api/projects", undefined, { origin: CONFIGURED_ORIGIN });
    expect(call.status).to.equal(200);
    expect(call.headers["access-control-allow-origin"]).to.equal(CONFIGURED_ORIGIN);
  });

  it("never lets a simple cross-site form post change state, even without an Origin header: 415", async function () {
    const before = await snapshot();
    const forms: Array<[string, string]> = [
      ["application/x-www-form-urlencoded", `path=${encodeURIComponent(projectDir)}&content=x`],
      ["multipart/form-data; boundary=b", `--b\r\nContent-Disposition: form-data; name="path"\r\n\r\n${projectDir}\r\n--b--\r\n`],
      ["text/plain", JSON.stringify({ path: projectDir, project_id: values.project_id, content: "x" })],
      ["text/plain;charset=UTF-8", ""],
    ];
    const wrong: string[] = [];
    for (const { method, path } of everyRoute().filter((route) => route.method !== "GET")) {
      for (const [type, body] of forms) {
        const res = await rawRequest(daemon.url, method, path, body, { "content-type": type });
        if (res.status !== 415 || reasonOf(res) !== "UNSUPPORTED_MEDIA_TYPE") wrong.push(`${method} ${path} as ${type}: ${res.status} ${res.text}`);
      }
    }
    expect(wrong).to.deep.equal([]);
    expect(await snapshot()).to.equal(before);
  });
});
