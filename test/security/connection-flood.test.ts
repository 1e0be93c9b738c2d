import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { expect } from "chai";
import { startDaemon, type DaemonProcess } from "../support/daemon-process.js";
import { duplicateJsonKeys } from "../support/duplicate-json-keys.js";
import { waitFor } from "../server/fixtures/test-server.js";
import { H2_PREFACE_AND_SETTINGS, openRaw, plainRequest, type RawConnection } from "../server/fixtures/raw-connections.js";

const run = promisify(execFile);
const FLOOD = 2000;

/** Resolves with the request's answer, or fails after `timeoutMs`. */
function withinMs<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs).unref();
    }),
  ]);
}

// Issue 11, item 7: about 1,000 HTTP/2 connections that sent only the preface and SETTINGS, never timed
// out, made a daemon with the usual limit of 1,024 open files unreachable for everyone.
describe("security: a flood of idle connections", function () {
  this.timeout(60_000);
  let daemon: DaemonProcess;
  const flood: RawConnection[] = [];
  before(async () => {
    // The flood comes from this process, which needs the file descriptors the daemon is denied.
    const own = /Max open files\s+(\d+)/.exec(await readFile("/proc/self/limits", "utf8"));
    if (own !== null && Number(own[1]) < FLOOD + 200) throw new Error(`this test opens ${FLOOD} connections: raise the open-file limit of the test run (ulimit -n is ${own[1]})`);
    daemon = await startDaemon({ env: { COMMANDER_LOG_LEVEL: "info" } });
    // The common default limit, applied to the running daemon (soft and hard, so it cannot raise it again).
    await run("prlimit", ["--pid", String(daemon.child.pid), "--nofile=1024:1024"]);
    const limits = await readFile(`/proc/${daemon.child.pid}/limits`, "utf8");
    expect(limits).to.match(/Max open files\s+1024\s+1024/);
  });
  after(async () => {
    for (const connection of flood) connection.socket.destroy();
    await daemon.stop();
    await daemon.cleanup();
  });

  it(`answers a normal request within 1 s while ${FLOOD} idle HTTP/2 connections were opened, and warns that a limit was hit`, async () => {
    // In batches, so that the listen backlog is not what refuses them.
    for (let start = 0; start < FLOOD; start += 100) {
      const batch = await Promise.all(Array.from({ length: Math.min(100, FLOOD - start) }, () => openRaw(daemon.port, H2_PREFACE_AND_SETTINGS)));
      flood.push(...batch);
    }
    // Every connection got the server's SETTINGS or was closed: the daemon has seen them all.
    await waitFor(() => flood.every((connection) => connection.received().length > 0 || connection.isClosed()), "the daemon to take every connection", 30_000);
    const open = flood.filter((connection) => !connection.isClosed()).length;
    expect(open).to.be.below(1024 - 64);
    const fds = (await readdir(`/proc/${daemon.child.pid}/fd`)).length;
    expect(fds).to.be.below(1024);

    const health = await withinMs(plainRequest(daemon.port, "GET", "/api/health"), 1000, "GET /api/health");
    expect(health.status).to.equal(200);

    const warning = daemon.logLines().find((line) => line.msg === "connection limit reached");
    expect(warning).to.include({ level: 40 });
    expect(warning!.limit).to.be.oneOf(["max_connections", "max_connections_per_client"]);
    expect(daemon.logLines().filter((line) => line.msg === "connection limit reached").length).to.be.below(5);
  });

  it("writes log lines with one key per field, nested components included", async () => {
    expect(await daemon.stop()).to.equal(0);
    const lines = daemon.output().split("\n").filter((line) => line.startsWith("{"));
    for (const line of lines) expect(duplicateJsonKeys(line), line).to.deep.equal([]);
    // The tmux driver's logger is a child of a child of a child (agents, tmux, tmux-driver).
    expect(daemon.logLines().some((line) => line.component === "agents.tmux.tmux-driver")).to.equal(true);
  });
});

describe("security: connection timeouts of the daemon", function () {
  let daemon: DaemonProcess;
  before(async () => {
    daemon = await startDaemon({ env: { COMMANDER_IDLE_TIMEOUT: "0.3", COMMANDER_REQUEST_TIMEOUT: "0.5", COMMANDER_HEADERS_TIMEOUT: "0.5" } });
  });
  after(async () => {
    await daemon.stop();
    await daemon.cleanup();
  });

  it("closes an idle HTTP/2 connection after idle_timeout", async () => {
    const connection = await openRaw(daemon.port, H2_PREFACE_AND_SETTINGS);
    await waitFor(() => connection.received().length > 0, "the server's SETTINGS");
    await waitFor(() => connection.isClosed(), "the idle connection to be closed", 5000);
  });

  it("cuts a chunked body that never ends with 408 after request_timeout", async () => {
    const connection = await openRaw(
      daemon.port,
      `POST /api/projects HTTP/1.1\r\nHost: 127.0.0.1:${daemon.port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n`,
    );
    await waitFor(() => connection.isClosed(), "the connection to be closed", 5000);
    expect(connection.received().toString()).to.match(/^HTTP\/1\.1 408/);
  });
});
