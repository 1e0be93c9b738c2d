import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { decodeJournalLine } from "../../src/store/journal.js";
import { REPO_ROOT, startDaemon, type DaemonProcess } from "../support/daemon-process.js";
import { rest } from "../support/rest-client.js";
import { runtimesRunning } from "../e2e/support/e2e-daemon.js";
import { createRandom, nextFuzzRequest, type FuzzContext, type FuzzRequest } from "./support/fuzz-requests.js";
import { createFuzzSender, type FuzzOutcome } from "./support/fuzz-sender.js";

// Thousands of random and mutated requests (bodies, paths, query strings, headers, protocols, raw bytes)
// across every route of the proto, from a fixed seed (FUZZ_SEED overrides it to explore; a failure names
// the seed and the request number, which replays it). Afterwards the daemon must be alive and healthy,
// have answered nothing with a 5xx or an INTERNAL/UNKNOWN status, and its state files must still parse,
// before and after a restart. FUZZ_REPORT=<file> writes every failure there.

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_101);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3000);
const BUDGET_MS = 50_000;
const CONCURRENCY = 8;
const TOKEN = "fuzz-token-2c7d41e0b9";
const MAX_BODY_BYTES = 64 * 1024;
const ALLOWED_ORIGIN = "https://ui.example";
// Statuses that mean "the server failed", whatever the client sent: gRPC INTERNAL, UNKNOWN, DATA_LOSS.
const SERVER_FAULT_GRPC = new Set(["2", "13", "15"]);
// Except a protocol violation, which the gRPC protocol itself answers with INTERNAL (PROTOCOL-HTTP2.md:
// a Compressed-Flag of 1 without a Message-Encoding; grpc-go answers the same).
const PROTOCOL_VIOLATION = /^(received compressed envelope, but do not know how to decompress|protocol error)/;

/** Why an outcome is a failure, or undefined when it is an acceptable answer to this request. */
function fault(request: FuzzRequest, outcome: FuzzOutcome): string | undefined {
  if (outcome.notSent) return undefined;
  if (outcome.status !== undefined && outcome.status >= 500) return `HTTP ${outcome.status}: ${outcome.body.slice(0, 300)}`;
  const [grpcCode, ...grpcMessage] = outcome.grpcStatus?.split(" ") ?? [];
  if (grpcCode !== undefined && SERVER_FAULT_GRPC.has(grpcCode) && !PROTOCOL_VIOLATION.test(grpcMessage.join(" "))) {
    return `grpc-status ${outcome.grpcStatus}`;
  }
  const connectError = /"code":"(internal|unknown|data_loss)","message":"([^"]*)"/.exec(outcome.body);
  if (connectError !== null && !PROTOCOL_VIOLATION.test(connectError[2])) return `Connect ${outcome.body.slice(0, 300)}`;
  if (outcome.error === "timeout") return "no answer in time";
  // The daemon may close a connection on a body over the limit or on bytes that are not HTTP at all.
  if (outcome.error !== undefined && request.channel !== "raw" && !request.oversized && !request.streaming) return `transport error ${outcome.error}`;
  return undefined;
}

/** Every state file must parse: the JSON snapshots whole, the journals line by line with their checksums. */
async function expectValidStateFiles(stateDir: string): Promise<void> {
  const problems: string[] = [];
  let checked = 0;
  for (const name of await readdir(stateDir)) {
    const path = join(stateDir, name);
    if (name.endsWith(".json")) {
      checked++;
      try {
        JSON.parse(await readFile(path, "utf8"));
      } catch (error) {
        problems.push(`${name}: ${(error as Error).message}`);
      }
    } else if (name.endsWith(".jsonl")) {
      checked++;
      const lines = (await readFile(path, "utf8")).split("\n").filter((line) => line !== "");
      lines.forEach((line, index) => {
        // Each journal line is `<crc32> <json>` (src/store/journal.ts).
        const json = decodeJournalLine(line);
        if (json === null) {
          problems.push(`${name} line ${index + 1}: bad checksum`);
          return;
        }
        try {
          JSON.parse(json);
        } catch (error) {
          problems.push(`${name} line ${index + 1}: ${(error as Error).message}`);
        }
      });
    }
    if (name.includes(".corrupt-")) problems.push(`${name}: a file was quarantined as corrupt`);
  }
  expect(checked, "state files found").to.be.greaterThan(0);
  expect(problems).to.deep.equal([]);
}

function expectCleanLog(daemon: DaemonProcess): void {
  const bad = daemon
    .logLines()
    .filter((line) => (line.level as number) >= 60 || /unexpected|uncaught|unhandled/i.test(String(line.msg)))
    .map((line) => JSON.stringify(line).slice(0, Number(process.env.FUZZ_LOG_CHARS ?? 500)));
  expect(bad, "log lines that reveal a bug").to.deep.equal([]);
  expect(daemon.output()).to.not.include(TOKEN);
  expect(daemon.output()).to.not.match(/UnhandledPromiseRejection|TypeError: |RangeError: Maximum call stack/);
}

describe("security: fuzzing every route", function () {
  this.timeout(180_000);
  let scratch: string;
  let daemon: DaemonProcess;
  const auth = { authorization: `Bearer ${TOKEN}` };
  const env = () => ({
    COMMANDER_TOKEN: TOKEN,
    COMMANDER_DEFAULT_RUNTIME: "shell",
    // A fuzzed runtime name must never launch a real agent: the shell runtime runs the fake agent, the
    // others a program that exits at once (so a start fails fast instead of waiting for a ready screen).
    COMMANDER_RUNTIMES: JSON.stringify({
      ...runtimesRunning([process.execPath, "-e", "process.exit(3)"]),
      shell: { command: [process.execPath, join(REPO_ROOT, "test/support/fake-agent.mjs")] },
    }),
    COMMANDER_ALLOWED_PROJECT_ROOTS: join(scratch, "projects"),
    COMMANDER_ALLOWED_ORIGINS: ALLOWED_ORIGIN,
    COMMANDER_MAX_PROJECTS: "20",
    COMMANDER_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    COMMANDER_AGENT_ENV: "FAKE_AGENT_LOG",
    FAKE_AGENT_LOG: join(scratch, "agent-log.jsonl"),
  });

  before(async function () {
    scratch = await mkdtemp(join(tmpdir(), "commander-fuzz-"));
    await mkdir(join(scratch, "state"));
    daemon = await startDaemon({ stateDir: join(scratch, "state"), env: env() });
  });

  after(async function () {
    await daemon?.stop();
    await daemon?.cleanup();
    await rm(scratch, { recursive: true, force: true });
  });

  it(`answers ${REQUESTS} random and mutated requests (seed ${SEED}) without a 5xx, and stays healthy with valid state`, async function () {
    const projectDirs: string[] = [];
    for (let i = 0; i < 6; i++) {
      const dir = join(scratch, "projects", `p${i}`);
      await mkdir(dir, { recursive: true });
      projectDirs.push(dir);
    }
    // Real records, so that many requests reach deep into the services.
    const active = await rest(daemon.url, "POST", "/api/projects", { path: projectDirs[0], name: "active" }, auth);
    const quiet = await rest(daemon.url, "POST", "/api/projects", { path: projectDirs[1], name: "quiet" }, auth);
    expect([active.status, quiet.status]).to.deep.equal([201, 201]);
    await rest(daemon.url, "POST", `/api/projects/${quiet.body.id}/pause`, {}, auth);
    const work = await rest(daemon.url, "POST", "/api/work", { project_id: quiet.body.id, content: "seeded" }, auth);
    await rest(daemon.url, "POST", "/api/inbox", { project_id: quiet.body.id, content: "seeded message" }, auth);
    const session = await rest(daemon.url, "POST", "/api/sessions", { project_id: quiet.body.id }, auth);
    const ctx: FuzzContext = {
      token: TOKEN,
      port: daemon.port,
      maxBodyBytes: MAX_BODY_BYTES,
      projectDirs,
      allowedOrigin: ALLOWED_ORIGIN,
      ids: {
        project_id: [active.body.id, quiet.body.id],
        work_id: [work.body.id],
        session_id: [session.body.id],
        event_id: ["event-000000000000"],
      },
    };

    const random = createRandom(SEED);
    const requests = Array.from({ length: REQUESTS }, () => nextFuzzRequest(random, ctx));
    const failures: string[] = [];
    const statuses = new Map<string, number>();
    let next = 0;
    let sent = 0;
    const deadline = Date.now() + BUDGET_MS;
    // One sender (connections, HTTP/2 session) per worker, as separate clients would have.
    const senders = Array.from({ length: CONCURRENCY }, () => createFuzzSender(daemon.port, 15_000));
    const worker = async (sender: ReturnType<typeof createFuzzSender>) => {
      while (next < requests.length && Date.now() < deadline) {
        const index = next++;
        const request = requests[index];
        const outcome = await sender.send(request);
        sent++;
        const key = outcome.status === undefined ? outcome.error ?? "none" : String(outcome.status);
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        const why = fault(request, outcome);
        if (why !== undefined) {
          failures.push(`#${index} (seed ${SEED}) ${request.label}: ${request.channel} ${request.method} ${request.path.slice(0, 200)} -> ${why}`);
        }
        if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) {
          failures.push(`#${index} (seed ${SEED}) ${request.label}: the daemon died`);
          return;
        }
      }
    };
    try {
      await Promise.all(senders.map(worker));
    } finally {
      for (const sender of senders) sender.close();
    }
    this.test!.title += ` [${sent} sent; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}]`;
    if (process.env.FUZZ_REPORT !== undefined) {
      await writeFile(process.env.FUZZ_REPORT, failures.join("\n"));
      await writeFile(`${process.env.FUZZ_REPORT}.daemon.log`, daemon.output());
    }
    expect(failures.slice(0, 25), `${failures.length} failures`).to.deep.equal([]);
    expect(sent, "requests sent within the time budget").to.be.at.least(Math.min(REQUESTS, 1000));

    // Still running and healthy.
    expect(daemon.child.exitCode).to.equal(null);
    const health = await rest(daemon.url, "GET", "/api/health", undefined, auth);
    expect(health.status).to.equal(200);
    expect(health.body.status, JSON.stringify(health.body.problems)).to.equal("ok");
    expectCleanLog(daemon);
    await expectValidStateFiles(daemon.stateDir);
    const projects = (await rest(daemon.url, "GET", "/api/projects", undefined, auth)).body.projects.map((project: { id: string }) => project.id).sort();

    // A clean stop, then a start on the same state: everything loads without a problem.
    const stopped = await daemon.stop();
    expect(stopped, `exit code; the log ends:\n${daemon.output().split("\n").slice(-15).join("\n")}`).to.equal(0);
    await expectValidStateFiles(daemon.stateDir);
    daemon = await startDaemon({ stateDir: daemon.stateDir, env: env() });
    const again = await rest(daemon.url, "GET", "/api/health", undefined, auth);
    expect(again.body.status, JSON.stringify(again.body.problems)).to.equal("ok");
    const reloaded = (await rest(daemon.url, "GET", "/api/projects", undefined, auth)).body.projects.map((project: { id: string }) => project.id).sort();
    expect(reloaded).to.deep.equal(projects);
  });
});
