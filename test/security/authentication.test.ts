import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { status as grpcStatus } from "@grpc/grpc-js";
import { expect } from "chai";
import { COMMANDER_BIN, REPO_ROOT, START_TIMEOUT_MS, startDaemon, trackStart } from "../support/daemon-process.js";
import { rawRequest, startE2eDaemon, type E2eDaemon } from "../e2e/support/e2e-daemon.js";
import { isAnswerLinkMethod, isHookMethod, restCases, rpcCases } from "./support/api-surface.js";
import { callRpc, callWithGrpcJs, openTransport, PROTOCOLS } from "./support/protocol-calls.js";

const TOKEN = "Zx9-secret-token-for-tests-7f3a1c";
const WRONG = "Qq7-wrong-token-for-tests-0000";

/** What a client may send instead of the right `Authorization` header. */
const BAD_CREDENTIALS: Array<[string, Record<string, string>]> = [
  ["no Authorization header", {}],
  ["a wrong token", { authorization: `Bearer ${WRONG}` }],
  ["the token with one character more", { authorization: `Bearer ${TOKEN}x` }],
  ["a prefix of the token", { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
  ["the token without the Bearer scheme", { authorization: TOKEN }],
  ["the token as Basic credentials", { authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString("base64")}` }],
  ["an empty Bearer token", { authorization: "Bearer " }],
];

/** Runs the CLI against a daemon and resolves with its exit code and output. */
function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [COMMANDER_BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

/** Starts the daemon with these arguments and expects it to refuse: resolves with its exit code and output. */
async function expectRefusedStart(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  const stateDir = await mkdtemp(join(tmpdir(), "commander-refused-"));
  try {
    const config = join(stateDir, "test-config.json");
    await writeFile(config, "{}\n");
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [COMMANDER_BIN, "daemon", "--port", "0", "--state-dir", stateDir, ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, COMMANDER_CONFIG: config, COMMANDER_TOKEN: "", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      const exited = new Promise<void>((done) => child.once("exit", () => done()));
      // A refusal comes as soon as the config is read; a daemon that starts instead is killed, at the
      // latest when the test times out (the root hooks stop abandoned starts).
      const timer = setTimeout(() => child.kill("SIGKILL"), START_TIMEOUT_MS);
      const untrack = trackStart(child, async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        await exited;
      });
      child.on("exit", (exitCode) => {
        clearTimeout(timer);
        untrack();
        resolve({ code: exitCode, output: text });
      });
    });
    expect(output, "the daemon must not have started").to.not.include('"phase":"running"');
    return { code, output };
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

describe("security: authentication", function () {
  // Above START_TIMEOUT_MS, so that a start that is too slow fails with the daemon's output.
  this.timeout(START_TIMEOUT_MS + 30_000);

  describe("binding", function () {
    for (const host of ["0.0.0.0", "::"]) {
      it(`refuses to start on ${host} without a token (exit 2, nothing listens)`, async function () {
        const { code, output } = await expectRefusedStart(["--host", host]);
        expect(code).to.equal(2);
        expect(output).to.match(/refusing to listen on .* without a token/);
      });
    }

    it("refuses to start on 0.0.0.0 with a token shorter than 32 characters, saying why (exit 2)", async function () {
      const { code, output } = await expectRefusedStart(["--host", "0.0.0.0"], { COMMANDER_TOKEN: "x" });
      expect(code).to.equal(2);
      expect(output).to.include("COMMANDER_TOKEN").and.include("at least 32").and.include("0.0.0.0");
    });

    it("refuses to start with a token that cannot travel in an Authorization header", async function () {
      const { code, output } = await expectRefusedStart([], { COMMANDER_TOKEN: "two words" });
      expect(code).to.equal(2);
      expect(output).to.include("token");
      expect(output).to.not.include("two words");
    });

    it("starts on 0.0.0.0 with a token, and then requires it", async function () {
      const daemon = await startDaemon({ args: ["--host", "0.0.0.0"], env: { COMMANDER_TOKEN: TOKEN } });
      try {
        const host = { host: `127.0.0.1:${daemon.port}` };
        expect((await rawRequest(daemon.url, "GET", "/api/health", undefined, host)).status).to.equal(401);
        expect((await rawRequest(daemon.url, "GET", "/api/health", undefined, { ...host, authorization: `Bearer ${TOKEN}` })).status).to.equal(200);
      } finally {
        await daemon.stop();
        await daemon.cleanup();
      }
    });
  });

  describe("with a token configured", function () {
    let daemon: E2eDaemon;
    const auth = { authorization: `Bearer ${TOKEN}` };

    before(async function () {
      daemon = await startE2eDaemon({ args: ["--log-level", "debug"], env: { COMMANDER_TOKEN: TOKEN } });
    });
    after(async function () {
      const output = daemon?.output() ?? "";
      await daemon?.dispose();
      // Checked last, over everything the daemon logged while the tests below ran.
      expect(output, "the daemon's log").to.not.include(TOKEN);
      expect(output, "the daemon's log").to.not.include(WRONG);
    });

    it("refuses every REST route of the proto, and unknown paths, without the right token: 401 and the same body", async function () {
      const wrong: string[] = [];
      const bodies = new Set<string>();
      // GETs outside /api are the dashboard's page, public by design (test/web/dashboard-serving.test.ts).
      const paths = [...restCases().filter((route) => !isAnswerLinkMethod(route.method)).map((route) => [route.httpMethod, route.path()] as const), ["GET", "/api/nowhere"] as const, ["POST", "/"] as const];
      for (const [method, path] of paths) {
        for (const [what, headers] of BAD_CREDENTIALS) {
          const body = method === "GET" || method === "DELETE" ? undefined : "{}";
          const res = await rawRequest(daemon.url, method, path, body, { ...headers, ...(body ? { "content-type": "application/json" } : {}) });
          if (res.status !== 401) wrong.push(`${method} ${path} with ${what}: ${res.status} ${res.text}`);
          else bodies.add(res.text);
        }
      }
      expect(wrong).to.deep.equal([]);
      // Missing or wrong, every answer is the same: nothing tells the caller what was wrong.
      expect([...bodies]).to.have.length(1);
      const status = JSON.parse([...bodies][0]);
      expect(status).to.include({ code: 16, message: "unauthenticated" });
      expect(status.details[0]).to.include({ reason: "UNAUTHENTICATED", domain: "commander" });
    });

    it("serves the answer-link routes without a token, granting nothing without a valid link", async function () {
      const described = await rawRequest(daemon.url, "GET", "/api/answer-links/forged.link", undefined, {});
      expect(described.status).to.equal(200);
      expect(JSON.parse(described.text)).to.include({ valid: false });
      const used = await rawRequest(daemon.url, "POST", "/api/answer-links/forged.link", "{}", { "content-type": "application/json" });
      expect(used.status).to.equal(403);
      expect(JSON.parse(used.text).details[0]).to.include({ reason: "ANSWER_LINK_INVALID" });
    });

    for (const protocol of PROTOCOLS) {
      it(`refuses every RPC over ${protocol} without the right token with UNAUTHENTICATED`, async function () {
        const open = openTransport(protocol, daemon.url);
        const wrong: string[] = [];
        try {
          for (const rpc of rpcCases().filter((candidate) => !isAnswerLinkMethod(candidate.method))) {
            // Bidirectional streams need HTTP/2 end to end; Connect and gRPC-Web over HTTP/1.1 cannot carry them.
            if (rpc.method.methodKind === "bidi_streaming" && (protocol === "Connect over HTTP/1.1" || protocol === "gRPC-Web")) continue;
            for (const [what, headers] of BAD_CREDENTIALS) {
              const error = await callRpc(open.transport, rpc, headers);
              if (error?.code !== Code.Unauthenticated) wrong.push(`${rpc.path} with ${what}: ${error ? Code[error.code] : "OK"}`);
            }
          }
        } finally {
          open.close();
        }
        expect(wrong).to.deep.equal([]);
      });
    }

    it("refuses every RPC from @grpc/grpc-js without the right token with status UNAUTHENTICATED", async function () {
      const wrong: string[] = [];
      for (const rpc of rpcCases().filter((candidate) => !isAnswerLinkMethod(candidate.method))) {
        for (const metadata of [{}, { authorization: `Bearer ${WRONG}` }] as Array<Record<string, string>>) {
          const status = await callWithGrpcJs(`127.0.0.1:${daemon.port}`, rpc, metadata);
          if (status.code !== grpcStatus.UNAUTHENTICATED) wrong.push(`${rpc.path}: ${status.code} ${status.details}`);
        }
      }
      expect(wrong).to.deep.equal([]);
    });

    it("serves every REST route and RPC with the right token (the hook route still wants its session's secret)", async function () {
      const wrong: string[] = [];
      for (const route of restCases()) {
        const controller = new AbortController();
        const response = await fetch(daemon.url + route.path(), {
          method: route.httpMethod,
          headers: { ...auth, ...(route.hasBody ? { "content-type": "application/json" } : {}) },
          body: route.hasBody ? "{}" : undefined,
          signal: controller.signal,
        });
        controller.abort(); // streams stay open otherwise; the status is all this test needs
        const expected401 = isHookMethod(route.method);
        if ((response.status === 401) !== expected401 || response.status >= 500) {
          wrong.push(`${route.httpMethod} ${route.path()}: ${response.status}`);
        }
      }
      const open = openTransport("Connect over HTTP/1.1", daemon.url);
      for (const rpc of rpcCases()) {
        if (rpc.method.methodKind === "bidi_streaming") continue;
        const error = await callRpc(open.transport, rpc, auth, 500);
        if ((error?.code === Code.Unauthenticated) !== isHookMethod(rpc.method)) wrong.push(`${rpc.path}: ${error ? Code[error.code] : "OK"}`);
      }
      expect(wrong).to.deep.equal([]);
    });
  });

  describe("require_token on loopback", function () {
    let stateDir: string;
    before(async function () {
      stateDir = await mkdtemp(join(tmpdir(), "commander-token-"));
    });
    after(async function () {
      await rm(stateDir, { recursive: true, force: true });
    });

    it("generates a token into <state_dir>/token (0600) on the first start, keeps it across restarts, and the CLI uses it", async function () {
      const env = { COMMANDER_REQUIRE_TOKEN: "true", COMMANDER_TOKEN: "" };
      const first = await startDaemon({ stateDir, env });
      let token: string;
      try {
        const file = join(stateDir, "token");
        expect((await stat(file)).mode & 0o777).to.equal(0o600);
        token = (await readFile(file, "utf8")).trim();
        expect(token).to.match(/^[A-Za-z0-9_-]{43}$/);
        expect(first.output(), "the log never shows the value").to.not.include(token);
        const announced = first.logLines().find((line) => line.msg === "api authentication");
        expect(announced).to.include({ authentication: true, tokenSource: "generated", tokenFile: file });

        expect((await rawRequest(first.url, "GET", "/api/health")).status).to.equal(401);
        expect((await rawRequest(first.url, "GET", "/api/health", undefined, { authorization: `Bearer ${token}` })).status).to.equal(200);

        const cliEnv = { COMMANDER_CONFIG: join(stateDir, "test-config.json"), COMMANDER_URL: "", COMMANDER_TOKEN: "" };
        const ok = await runCli(["--state-dir", stateDir, "health"], cliEnv);
        expect(ok.code, ok.output).to.equal(0);
        const refused = await runCli(["--state-dir", stateDir, "--token", WRONG, "health"], cliEnv);
        expect(refused.code, refused.output).to.not.equal(0);
        expect(refused.output).to.not.include(token);
      } finally {
        await first.stop();
        await first.cleanup();
      }
      const second = await startDaemon({ stateDir, env });
      try {
        expect((await readFile(join(stateDir, "token"), "utf8")).trim()).to.equal(token);
        expect(second.logLines().find((line) => line.msg === "api authentication")).to.include({ tokenSource: "file" });
        expect((await rawRequest(second.url, "GET", "/api/health", undefined, { authorization: `Bearer ${token}` })).status).to.equal(200);
        expect(second.output()).to.not.include(token);
      } finally {
        await second.stop();
        await second.cleanup();
      }
    });
  });
});
