import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { startDaemon, type DaemonProcess } from "../support/daemon-process.js";
import { rest } from "../support/rest-client.js";
import { waitFor } from "../support/wait-for.js";

// An agent's life at its edges, with a real daemon and real tmux: what happens to an agent whose project
// goes away while it starts, and what a failed agent leaves behind. The `shell` runtime runs one script
// whose behaviour is chosen by the name of the project's directory.
const AGENT = `#!/bin/sh
echo $$ > agent.pid
case "$(basename "$PWD")" in
  slow-*) exec sleep 60 ;;
  crash-*)
    echo "connecting to the service"
    echo ""
    echo "error: the service is unreachable (ECONNREFUSED)"
    printf '\\n\\n\\n'
    exit 1 ;;
  *) exec sh ;;
esac
`;

/** The pane ids of the daemon's private tmux server. */
function tmuxPanes(stateDir: string): Promise<string[]> {
  return new Promise((resolve) => {
    execFile("tmux", ["-S", join(stateDir, "tmux.sock"), "list-panes", "-a", "-F", "#{pane_id}"], (error, stdout) =>
      resolve(error ? [] : stdout.split("\n").filter(Boolean)),
    );
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("agent lifecycle at its edges (real daemon, real tmux)", function () {
  this.timeout(60_000);
  let daemon: DaemonProcess;
  let workDir: string;

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), "commander-lifecycle-"));
    const agent = join(workDir, "agent.sh");
    await writeFile(agent, AGENT, { mode: 0o755 });
    daemon = await startDaemon({
      env: { COMMANDER_DEFAULT_RUNTIME: "shell", COMMANDER_RUNTIMES: JSON.stringify({ shell: { command: [agent] } }) },
    });
  });

  after(async () => {
    await daemon?.stop();
    await daemon?.cleanup();
    await rm(workDir, { recursive: true, force: true });
  });

  let counter = 0;
  async function newProject(kind: string): Promise<{ id: string; dir: string }> {
    const dir = join(workDir, `${kind}-${++counter}`);
    await mkdir(dir);
    const response = await rest(daemon.url, "POST", "/api/projects", { path: dir, name: `${kind}${counter}` });
    expect(response.status, response.text).to.equal(201);
    return { id: response.body.id, dir };
  }

  const addWork = async (projectId: string, content: string) => {
    const response = await rest(daemon.url, "POST", "/api/work", { project_id: projectId, content });
    expect(response.status, response.text).to.equal(201);
    return response.body.id as string;
  };

  it("stops an agent that is still starting when its project is force-unregistered", async () => {
    const { id, dir } = await newProject("slow");
    await addWork(id, "never dispatched");
    const pid = await waitFor(async () => Number((await readFile(join(dir, "agent.pid"), "utf8")).trim()) || undefined, {
      what: "the agent to start",
    });
    const session = (await rest(daemon.url, "GET", `/api/sessions/${id}`)).body;
    expect(session.state).to.equal("starting");
    expect(await tmuxPanes(daemon.stateDir)).to.include(session.tmux_target);
    const started = Date.now();
    const response = await rest(daemon.url, "DELETE", `/api/projects/${id}?force=true`);
    expect(response.status, response.text).to.equal(204);
    // Unregistering does not wait for the start to time out (60 s by default).
    expect(Date.now() - started).to.be.below(10_000);
    await waitFor(() => !processAlive(pid), { what: `agent process ${pid} to end` });
    await waitFor(async () => !(await tmuxPanes(daemon.stateDir)).includes(session.tmux_target), { what: "the agent's tmux window to close" });
    expect((await rest(daemon.url, "GET", `/api/projects/${id}`)).status).to.equal(404);
  });
});
