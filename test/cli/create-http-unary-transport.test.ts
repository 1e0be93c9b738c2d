import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent, createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { expect } from "chai";
import { ProjectService } from "../../gen/es/commander/v1/project_service_pb.js";
import { ChangeKind, WatchService } from "../../gen/es/commander/v1/watch_service_pb.js";
import { createHttpUnaryTransport } from "../../src/cli/create-http-unary-transport.js";
import { errorReason, isUnreachable } from "../../src/cli/describe-error.js";
import { COMMANDER_BIN, REPO_ROOT, startDaemon, type DaemonProcess } from "../support/daemon-process.js";

const TOKEN = "Tk4-cli-transport-token-for-tests-9b2e";

/** The transport the CLI had before: connect-node's Connect transport over HTTP/1.1, binary, no keep-alive. */
function connectNode(baseUrl: string, token?: string): Transport {
  return createConnectTransport({
    baseUrl,
    httpVersion: "1.1",
    nodeOptions: { agent: new Agent({ keepAlive: false }) },
    interceptors: token === undefined ? [] : [(next) => (req) => (req.header.set("Authorization", `Bearer ${token}`), next(req))],
  });
}

function httpUnary(baseUrl: string, token?: string): Transport {
  return createHttpUnaryTransport({ baseUrl, token, fallback: async () => connectNode(baseUrl, token) });
}

async function failure(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    expect(err).to.be.instanceOf(ConnectError);
    return err as ConnectError;
  }
  throw new Error("the call succeeded");
}

/** What a user is shown of an error: its code, message, reason, and whether the daemon was unreachable. */
function shown(err: ConnectError) {
  return { code: err.code, rawMessage: err.rawMessage, reason: errorReason(err), unreachable: isUnreachable(err) };
}

describe("createHttpUnaryTransport (against a real daemon)", function () {
  this.timeout(60_000);
  let daemon: DaemonProcess;
  let projectsDir: string;

  before(async () => {
    daemon = await startDaemon({ env: { COMMANDER_TOKEN: TOKEN } });
    projectsDir = await mkdtemp(join(tmpdir(), "commander-transport-"));
    const projects = createClient(ProjectService, connectNode(daemon.url, TOKEN));
    for (const id of ["tr-01", "tr-02"]) {
      await projects.registerProject({ path: await mkdtemp(join(projectsDir, `${id}-`)), projectId: id, name: `Transport ${id}` });
    }
  });
  after(async () => {
    await daemon?.stop();
    await daemon?.cleanup();
    if (projectsDir) await rm(projectsDir, { recursive: true, force: true });
  });

  it("answers the same messages as connect-node's transport", async () => {
    const fast = createClient(ProjectService, httpUnary(daemon.url, TOKEN));
    const old = createClient(ProjectService, connectNode(daemon.url, TOKEN));
    const [listed, listedBefore] = await Promise.all([fast.listProjects({}), old.listProjects({})]);
    expect(listed.projects.map((p) => p.id)).to.deep.equal(["tr-01", "tr-02"]);
    expect(listed).to.deep.equal(listedBefore);
    expect(await fast.getProject({ projectId: "tr-02" })).to.deep.equal(await old.getProject({ projectId: "tr-02" }));
    const paused = await fast.pauseProject({ projectId: "tr-01", reason: "checking the transport" });
    expect(paused.project?.stateReason).to.equal("checking the transport");
  });

  it("throws the daemon's error as connect-node's transport does: code, message, ErrorInfo reason and metadata", async () => {
    const fast = await failure(createClient(ProjectService, httpUnary(daemon.url, TOKEN)).getProject({ projectId: "no-such-project" }));
    const old = await failure(createClient(ProjectService, connectNode(daemon.url, TOKEN)).getProject({ projectId: "no-such-project" }));
    expect(shown(fast)).to.deep.equal(shown(old));
    expect(shown(fast)).to.include({ code: Code.NotFound, reason: "PROJECT_NOT_FOUND", unreachable: false });
    expect(fast.metadata.get("x-request-id")).to.be.a("string");
  });

  it("sends the token, and without it gets the daemon's UNAUTHENTICATED as connect-node's transport does", async () => {
    const fast = await failure(createClient(ProjectService, httpUnary(daemon.url)).listProjects({}));
    const old = await failure(createClient(ProjectService, connectNode(daemon.url)).listProjects({}));
    expect(fast.code).to.equal(Code.Unauthenticated);
    expect(shown(fast)).to.deep.equal(shown(old));
    const wrong = await failure(createClient(ProjectService, httpUnary(daemon.url, "Wr0ng-token-for-tests-0000")).listProjects({}));
    expect(wrong.code).to.equal(Code.Unauthenticated);
  });

  it("leaves unary calls with their own headers or a timeout to the fallback transport", async () => {
    let fallbackCalls = 0;
    const transport = createHttpUnaryTransport({
      baseUrl: daemon.url,
      token: TOKEN,
      fallback: async () => (fallbackCalls++, connectNode(daemon.url, TOKEN)),
    });
    const projects = createClient(ProjectService, transport);
    const plain = await projects.listProjects({});
    expect(fallbackCalls).to.equal(0);
    expect(await projects.listProjects({}, { timeoutMs: 10_000 })).to.deep.equal(plain);
    expect(await projects.listProjects({}, { headers: { "x-test": "1" } })).to.deep.equal(plain);
    expect(fallbackCalls).to.equal(2);
  });

  it("streams through the fallback transport", async () => {
    const controller = new AbortController();
    const watch = createClient(WatchService, httpUnary(daemon.url, TOKEN));
    // From the first change on (the projects' registrations): a live-only watch could miss a change made
    // before its request reached the daemon.
    const stream = watch.watchChanges({ kinds: [ChangeKind.PROJECT_CHANGED], afterSeq: 1n }, { signal: controller.signal });
    const { value } = await stream[Symbol.asyncIterator]().next();
    expect(value?.change?.kind).to.equal(ChangeKind.PROJECT_CHANGED);
    expect(Number(value?.change?.seq)).to.be.greaterThan(1);
    controller.abort();
  });

  it("ends a call whose signal aborts with CANCELED", async () => {
    const controller = new AbortController();
    const call = createClient(ProjectService, httpUnary(daemon.url, TOKEN)).listProjects({}, { signal: controller.signal });
    controller.abort();
    expect((await failure(call)).code).to.equal(Code.Canceled);
    const already = await failure(createClient(ProjectService, httpUnary(daemon.url, TOKEN)).listProjects({}, { signal: controller.signal }));
    expect(already.code).to.equal(Code.Canceled);
  });

  it("lets `projects list` load neither undici, nor http2, https or zlib", async () => {
    // The modules Node loaded for its built-ins, written when the command exits.
    const record = 'data:text/javascript,import fs from "node:fs"; process.on("exit", () => fs.writeSync(2, "\\nmodules: " + process.moduleLoadList.join("|") + "\\n"));';
    const { code, stderr, stdout } = await new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", record, COMMANDER_BIN, "projects", "list", "--url", daemon.url, "--token", TOKEN], {
        cwd: REPO_ROOT,
        env: { ...process.env, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
      child.on("close", (exit) => resolve({ code: exit, stderr: err, stdout: out }));
    });
    expect(code, stderr).to.equal(0);
    expect(stdout).to.contain("tr-01").and.contain("tr-02");
    const modules = (/modules: (.*)/.exec(stderr)?.[1] ?? "").split("|");
    expect(modules, "the modules loaded").to.include("NativeModule http");
    for (const heavy of ["internal/deps/undici/undici", "http2", "https", "zlib"]) expect(modules).not.to.include(`NativeModule ${heavy}`);
  });
});

describe("createHttpUnaryTransport (against other servers)", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  /** A server that gives every request this answer, as a proxy or another program on the port might. */
  async function answering(status: number, headers: Record<string, string>, body: string): Promise<string> {
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(status, headers).end(body));
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  const answers: Array<[string, number, Record<string, string>, string]> = [
    ["a 404 page", 404, { "content-type": "text/html" }, "<h1>Not Found</h1>"],
    ["a 502 from a proxy", 502, { "content-type": "text/plain" }, "Bad Gateway"],
    ["a Connect error in JSON", 429, { "content-type": "application/json" }, JSON.stringify({ code: "resource_exhausted", message: "slow down" })],
    ["JSON that is not a Connect error", 503, { "content-type": "application/json" }, "{not json"],
    ["a 200 of the wrong type", 200, { "content-type": "text/html" }, "<html></html>"],
    ["a 200 without a type", 200, {}, ""],
    ["a Connect error with trailers", 400, { "content-type": "application/json", "trailer-x-why": "test" }, JSON.stringify({ code: "invalid_argument", message: "bad" })],
  ];
  for (const [what, status, headers, body] of answers) {
    it(`fails as connect-node's transport does on ${what}`, async () => {
      const url = await answering(status, headers, body);
      const fast = await failure(createClient(ProjectService, httpUnary(url)).listProjects({}));
      const old = await failure(createClient(ProjectService, connectNode(url)).listProjects({}));
      expect(shown(fast)).to.deep.equal(shown(old));
      expect([...fast.metadata.entries()].filter(([name]) => name !== "date")).to.deep.equal([...old.metadata.entries()].filter(([name]) => name !== "date"));
    });
  }

  it("refuses a compressed answer, which it does not ask for", async () => {
    const url = await answering(200, { "content-type": "application/proto", "content-encoding": "gzip" }, "");
    const err = await failure(createClient(ProjectService, httpUnary(url)).listProjects({}));
    expect(shown(err)).to.deep.equal({ code: Code.Internal, rawMessage: 'unsupported response encoding "gzip"', reason: "INTERNAL", unreachable: false });
  });

  it("reports a closed port as unreachable, as connect-node's transport does", async () => {
    const url = await answering(200, {}, "");
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const fast = await failure(createClient(ProjectService, httpUnary(url)).listProjects({}));
    const old = await failure(createClient(ProjectService, connectNode(url)).listProjects({}));
    expect(shown(fast)).to.deep.equal(shown(old));
    expect(shown(fast)).to.include({ code: Code.Unavailable, unreachable: true });
  });

  it("reports a connection dropped mid-answer as connect-node's transport does", async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/proto", "content-length": "100" });
      res.write(Buffer.alloc(10));
      setImmediate(() => res.socket?.destroy());
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const fast = await failure(createClient(ProjectService, httpUnary(url)).listProjects({}));
    const old = await failure(createClient(ProjectService, connectNode(url)).listProjects({}));
    expect(fast.code).to.equal(old.code);
    expect(isUnreachable(fast)).to.equal(isUnreachable(old));
  });
});
