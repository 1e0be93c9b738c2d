import { spawn } from "node:child_process";
import { expect } from "chai";
import { REPO_ROOT } from "../support/daemon-process.js";
import { listProcesses, processesMentioning } from "../support/process-table.js";
import { waitFor } from "../support/wait-for.js";

const CHECKER = `${REPO_ROOT}.ci/no-leftover-processes.mjs`;

interface Run {
  code: number | null;
  stderr: string;
}

function check(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const child = spawn(process.execPath, [CHECKER, ...args], {
    env: { ...process.env, COMMANDER_LEFTOVER_GRACE_MS: "300", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stderr })));
}

function running(pid: number): boolean {
  return listProcesses().some((info) => info.pid === pid);
}

// A marker on the command line, so that each test finds its own sleeps whatever runs beside it.
const marker = () => String(100_000 + Math.floor(Math.random() * 800_000));

describe(".ci/no-leftover-processes.mjs (the suite's leftover-process check)", function () {
  this.timeout(30_000);

  it("passes and keeps the command's exit status when nothing is left", async () => {
    expect((await check(["--", "true"])).code).to.equal(0);
    expect((await check(["--", "sh", "-c", "exit 3"])).code).to.equal(3);
  });

  it("fails, names and kills a process the command left running in the background", async () => {
    const seconds = marker();
    const run = await check(["--", "sh", "-c", `sleep ${seconds} >/dev/null 2>&1 &`]);
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr).to.contain("outlived them").and.contain(`sleep ${seconds}`);
    await waitFor(() => processesMentioning(`sleep ${seconds}`).length === 0, { what: "the leftover to be killed" });
  });

  it("finds a leftover by its working directory in the run's TMPDIR even with a cleared environment", async () => {
    const seconds = marker();
    const run = await check(["--", "sh", "-c", `cd "$TMPDIR" && env -i /bin/sleep ${seconds} >/dev/null 2>&1 &`]);
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr).to.contain(`sleep ${seconds}`);
  });

  it("does not count a process that was running before the command started", async () => {
    const runId = `pre-${marker()}`;
    const earlier = spawn("sleep", [marker()], { env: { ...process.env, COMMANDER_TEST_RUN_ID: runId }, stdio: "ignore" });
    try {
      const run = await check(["--run-id", runId, "--", "true"]);
      expect(run.code, run.stderr).to.equal(0);
      expect(running(earlier.pid!)).to.equal(true);
    } finally {
      earlier.kill("SIGKILL");
    }
  });
});
