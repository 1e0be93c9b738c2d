import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { startDaemon, type DaemonProcess } from "../support/daemon-process.js";

describe("the daemon's state lock, end to end", function () {
  this.timeout(90_000);
  let stateDir: string;
  const daemons: DaemonProcess[] = [];

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "commander-relock-"));
  });

  afterEach(async () => {
    for (const daemon of daemons.splice(0).reverse()) await daemon.cleanup();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("starts straight after the previous daemon was killed with SIGKILL, round after round", async () => {
    for (let round = 0; round < 3; round++) {
      const daemon = await startDaemon({ stateDir });
      daemons.push(daemon);
      // No waiting for the exit: the next daemon starts at once.
      daemon.child.kill("SIGKILL");
    }
    const last = await startDaemon({ stateDir });
    daemons.push(last);
    expect(JSON.parse(await readFile(join(stateDir, "daemon.lock"), "utf8"))).to.include({ pid: last.child.pid, port: last.port });
  });

  it("is not kept from starting by a lock file whose pid is an unrelated live process", async () => {
    await writeFile(join(stateDir, "daemon.lock"), JSON.stringify({ pid: process.pid, port: 1, host: "127.0.0.1", started_at: "2026-01-01T00:00:00.000Z" }));
    const daemon = await startDaemon({ stateDir });
    daemons.push(daemon);
    expect(JSON.parse(await readFile(join(stateDir, "daemon.lock"), "utf8"))).to.include({ pid: daemon.child.pid, port: daemon.port });
  });
});
