import { spawn, type ChildProcess } from "node:child_process";
import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { acquireStateLock } from "../../src/store/state-lock.js";
import { COMMANDER_BIN, REPO_ROOT } from "../support/daemon-process.js";
import { processesMentioning } from "../support/process-table.js";
import { waitFor } from "../support/wait-for.js";

interface Launched {
  child: ChildProcess;
  stateDir: string;
  port: number;
  output(): string;
}

/** Starts the daemon with `command` as a plain child (same process group: only its pid gets the signal). */
async function launch(command: string, args: (stateDir: string) => string[]): Promise<Launched> {
  const stateDir = await mkdtemp(join(tmpdir(), "commander-stop-"));
  const configFile = join(stateDir, "test-config.json");
  await writeFile(configFile, "{}\n");
  const child = spawn(command, args(stateDir), {
    cwd: REPO_ROOT,
    env: { ...process.env, COMMANDER_CONFIG: configFile },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const port = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`exited during start-up (${child.exitCode}):\n${output}`);
      const running = output.split("\n").find((line) => line.includes('"phase":"running"'));
      return running ? (JSON.parse(running) as { port: number }).port : undefined;
    },
    { timeoutMs: 30_000, what: `the daemon started by ${command} to run` },
  );
  return { child, stateDir, port, output: () => output };
}

function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

async function expectStoppedBySigterm(launched: Launched): Promise<void> {
  const { child, stateDir, port } = launched;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  await exited;
  // Every process the command started (npm, the shell, the daemon, its tmux server) is gone.
  await waitFor(() => processesMentioning(stateDir).length === 0, { timeoutMs: 15_000, what: "no process left" }).catch(
    (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(processesMentioning(stateDir))}\n${launched.output()}`);
    },
  );
  expect(await portRefuses(port), `port ${port} freed`).to.equal(true);
  expect(await access(join(stateDir, "daemon.lock")).then(() => true, () => false), "daemon.lock removed").to.equal(false);
  await (await acquireStateLock(stateDir)).release();
  expect(launched.output()).to.contain('"phase":"stopped"');
}

describe("stopping the daemon by the pid its start command gives", function () {
  this.timeout(90_000);
  const started: Launched[] = [];

  afterEach(async () => {
    for (const launched of started.splice(0)) {
      for (const leftover of processesMentioning(launched.stateDir)) {
        try {
          process.kill(leftover.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      await rm(launched.stateDir, { recursive: true, force: true });
    }
  });

  it("stops on SIGTERM to `npm start` (the README's start command): port freed, lock released, nothing left", async () => {
    const launched = await launch("npm", (stateDir) => ["start", "--", "--port", "0", "--state-dir", stateDir]);
    started.push(launched);
    await expectStoppedBySigterm(launched);
  });

  it("stops on SIGTERM to `node bin/commander.js daemon`", async () => {
    const launched = await launch(process.execPath, (stateDir) => [COMMANDER_BIN, "daemon", "--port", "0", "--state-dir", stateDir]);
    started.push(launched);
    await expectStoppedBySigterm(launched);
  });

  it("stops on SIGTERM to `npm exec` (how npx runs it: npm, then a shell that does not pass the signal on)", async () => {
    const launched = await launch("npm", (stateDir) => ["exec", "--", "node", COMMANDER_BIN, "daemon", "--port", "0", "--state-dir", stateDir]);
    started.push(launched);
    await expectStoppedBySigterm(launched);
  });
});
