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
// whose behaviour is chosen by its project directory: `slow-*` never becomes ready, a `crash` file makes
// it print a few lines and exit 1, otherwise it runs `sh`.
const AGENT = `#!/bin/sh
echo $$ > agent.pid
case "$(basename "$PWD")" in
  slow-*) exec sleep 60 ;;
esac
if [ -e crash ]; then
    echo "connecting to the service"
    echo ""
    echo "error: the service is unreachable (ECONNREFUSED)"
    printf '\\n\\n\\n'
    exit 1
fi
exec sh
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
    const session = await waitFor(
      async () => {
        const record = (await rest(daemon.url, "GET", `/api/sessions/${id}`)).body;
        return record.state === "starting" ? record : undefined;
      },
      { what: "the session to be starting" },
    );
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

  it("leaves a clue when the agent fails: its last lines and exit status, one updated event, the dead pane kept", async function () {
    this.timeout(90_000);
    const { id, dir } = await newProject("flaky");
    await writeFile(join(dir, "crash"), "");
    const workId = await addWork(id, "echo recovered");
    const pendingFailures = async () =>
      ((await rest(daemon.url, "GET", `/api/events?project_id=${id}&type=instance_error`)).body.events as any[]).filter(
        (event) => event.status === "pending",
      );
    const first = await waitFor(async () => (await pendingFailures())[0], { what: "an instance_error event" });
    expect(first.content).to.include("Exit: status 1").and.include("error: the service is unreachable (ECONNREFUSED)");
    expect(first.content, first.content).to.include("connecting to the service").and.not.include("Pane is dead");
    const session = (await rest(daemon.url, "GET", `/api/sessions/${id}`)).body;
    expect(session.state).to.equal("error");
    expect(session.state_reason).to.include("status 1").and.include("ECONNREFUSED");
    // The dead pane is kept for inspection.
    expect(session.tmux_target).to.match(/^%\d+$/);
    expect(await tmuxPanes(daemon.stateDir)).to.include(session.tmux_target);

    // The item is retried (after the restart back-off): the same event is updated, not a new one raised.
    const second = await waitFor(
      async () => {
        const events = await pendingFailures();
        return events.length === 1 && events[0].context.count >= 2 ? events[0] : undefined;
      },
      // The retry waits out the 5 s restart back-off; on a loaded machine starting takes a while too.
      { timeoutMs: 30_000, what: "the instance_error to count a second failure" },
    );
    expect(second.id).to.equal(first.id);
    expect(second.title).to.include("2 times");
    expect(await pendingFailures()).to.have.length(1);

    // The next start succeeds: the event is closed, the old dead pane is gone, the work gets done.
    await rm(join(dir, "crash"));
    const done = await waitFor(
      async () => {
        const item = (await rest(daemon.url, "GET", `/api/work/${workId}`)).body;
        return item.state === "completed" ? item : undefined;
      },
      { timeoutMs: 30_000, what: "the item to complete once the agent starts" },
    );
    expect(done.result).to.include("recovered");
    const closed = (await rest(daemon.url, "GET", `/api/events/${first.id}`)).body;
    expect(closed.status).to.equal("resolved");
    expect(await pendingFailures()).to.have.length(0);
    expect(await tmuxPanes(daemon.stateDir)).to.not.include(session.tmux_target);
  });
});
