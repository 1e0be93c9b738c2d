import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { startDaemon, type DaemonProcess } from "../support/daemon-process.js";
import { rest } from "../support/rest-client.js";
import { waitFor } from "../support/wait-for.js";

// Agents of several projects started at the same moment, on a daemon that has not started any yet: they
// must share the daemon's one tmux control client, or every pane's output is read once per client and
// each result comes back several times over.

const PROJECTS = 5;

/** The pids of tmux control-mode clients attached to this socket (what `pgrep -f "<sock> -C attach"` finds). */
function controlClients(socket: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile("pgrep", ["-f", `${socket} -C attach`], (error, stdout) => {
      if (error && error.code !== 1) return reject(error);
      resolve(stdout.split("\n").filter(Boolean));
    });
  });
}

describe("agents started together (real daemon, real tmux, sh)", function () {
  this.timeout(60_000);
  let daemon: DaemonProcess;
  let workDir: string;

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), "commander-together-"));
    daemon = await startDaemon({ env: { COMMANDER_DEFAULT_RUNTIME: "shell", COMMANDER_RUNTIMES: JSON.stringify({ shell: { command: ["sh"] } }) } });
  });

  after(async () => {
    await daemon?.stop();
    await daemon?.cleanup();
    await rm(workDir, { recursive: true, force: true });
  });

  it("reads each pane once through one control client: every result is its own output, once", async () => {
    const projects: string[] = [];
    for (let i = 1; i <= PROJECTS; i++) {
      const dir = await mkdtemp(join(workDir, `p${i}-`));
      const res = await rest(daemon.url, "POST", "/api/projects", { path: dir, name: `p${i}` });
      expect(res.status, res.text).to.equal(201);
      projects.push(res.body.id);
    }
    // All at once: each item makes the daemon start its project's agent.
    const posted = await Promise.all(
      projects.map((projectId, i) => rest(daemon.url, "POST", "/api/work", { project_id: projectId, content: `echo hi-${i + 1}` })),
    );
    for (const res of posted) expect(res.status, res.text).to.equal(201);
    const results = await Promise.all(
      posted.map((res) =>
        waitFor(
          async () => {
            const item = (await rest(daemon.url, "GET", `/api/work/${res.body.id}`)).body;
            return item.state === "completed" ? (item.result as string) : undefined;
          },
          { timeoutMs: 30_000, what: `${res.body.id} to complete` },
        ),
      ),
    );
    expect(results).to.deep.equal(projects.map((_, i) => `hi-${i + 1}`));
    expect(await controlClients(join(daemon.stateDir, "tmux.sock"))).to.have.length(1);
  });
});
