import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { COMMANDER_BIN, REPO_ROOT } from "../support/daemon-process.js";
import { waitFor } from "../server/fixtures/test-server.js";

const run = promisify(execFile);
// eslint-disable-next-line no-control-regex
const ansi = /\x1b\[[0-9;]*m/g;

// `npm start` in a terminal: the daemon sees a TTY on stdout (given here by `script`) and prints readable lines.
describe("daemon log format", function () {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "commander-log-format-"));
    await writeFile(join(dir, "config.json"), "{}\n");
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("prints readable lines, not JSON, when stdout is a terminal", async () => {
    const command = `exec '${process.execPath}' '${COMMANDER_BIN}' daemon --port 0 --state-dir '${join(dir, "state")}'`;
    const script = spawn("script", ["-qfec", command, "/dev/null"], {
      cwd: REPO_ROOT,
      env: { ...process.env, COMMANDER_CONFIG: join(dir, "config.json") },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    script.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const exited = new Promise((resolve) => script.once("exit", resolve));
    try {
      await waitFor(() => /daemon lifecycle[\s\S]*running/.test(output.replace(ansi, "")), "the daemon to run", 20_000);
      const text = output.replace(ansi, "");
      expect(text).to.match(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO.*: daemon lifecycle/m);
      expect(text.split(/\r?\n/).some((line) => line.startsWith('{"level"'))).to.equal(false);
    } finally {
      // `exec` made the daemon script's only child: stop it by its pid, then script ends with it.
      const { stdout } = await run("ps", ["-o", "pid=", "--ppid", String(script.pid)]).catch(() => ({ stdout: "" }));
      for (const pid of stdout.split(/\s+/).filter((value) => value !== "")) process.kill(Number(pid), "SIGTERM");
      const timer = setTimeout(() => script.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    }
  });
});
