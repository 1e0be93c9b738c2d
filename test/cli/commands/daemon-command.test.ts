import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { runCliProcess } from "../support/run-cli-process.js";
import { startCliDaemon } from "../support/start-cli-daemon.js";

describe("commander daemon", function () {
  // Each step runs the CLI as a new process, which takes seconds on a busy machine.
  this.timeout(60_000);
  it("runs the daemon until SIGTERM, and client commands find it through its state directory", async function () {
    this.timeout(90_000);
    const daemon = await startCliDaemon();
    try {
      // No --url: the address comes from the lock file of the daemon on that state directory.
      const result = await runCliProcess(["health"], { env: { COMMANDER_STATE_DIR: daemon.stateDir } });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.equal(`Daemon at ${daemon.url}: ok (version 1.0.0)\n`);
      expect(await daemon.stop()).to.equal(0);
    } finally {
      await daemon.cleanup();
      rmSync(daemon.workDir, { recursive: true, force: true });
    }
  });

  it("exits 2 for a port that is not a number", async () => {
    const dir = mkdtempSync(join(tmpdir(), "commander-cli-daemon-"));
    try {
      const result = await runCliProcess(["daemon", "--port", "eighty", "--state-dir", dir]);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.contain("expected a port number from 0 to 65535");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
