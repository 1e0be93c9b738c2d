import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { startDaemon, tmuxSocketOf } from "../support/daemon-process.js";
import { processesMentioning } from "../support/process-table.js";
import { rest } from "../support/rest-client.js";
import { waitFor } from "../support/wait-for.js";
import { addWork, registerProject, startE2eDaemon } from "./support/e2e-daemon.js";

// An agent that ignores the hang-up a dying tmux server sends to its panes.
const STUBBORN_AGENT = "#!/bin/sh\ntrap '' HUP\nwhile :; do sleep 1; done\n";

describe("test helpers leave no process behind", function () {
  this.timeout(60_000);
  let scratch: string;

  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), "commander-leftovers-"));
  });

  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it("cleanup() of a daemon killed with SIGKILL ends its tmux server and the agents in it", async () => {
    const agent = join(scratch, "stubborn-agent.sh");
    await writeFile(agent, STUBBORN_AGENT, { mode: 0o755 });
    const project = join(scratch, "project");
    await mkdir(project);
    const daemon = await startDaemon({
      env: { COMMANDER_DEFAULT_RUNTIME: "shell", COMMANDER_RUNTIMES: JSON.stringify({ shell: { command: [agent] } }) },
    });
    const socket = tmuxSocketOf(daemon.stateDir);
    try {
      const registered = await rest(daemon.url, "POST", "/api/projects", { path: project, name: "stubborn" });
      expect(registered.status, registered.text).to.equal(201);
      const work = await rest(daemon.url, "POST", "/api/work", { project_id: registered.body.id, content: "run" });
      expect(work.status, work.text).to.equal(201);
      await waitFor(() => processesMentioning(agent).length > 0, { timeoutMs: 20_000, what: "the agent to run" });
      expect(await daemon.stop("SIGKILL")).to.equal("SIGKILL");
      expect(processesMentioning(socket), "the tmux server outlives a killed daemon").to.not.deep.equal([]);
    } finally {
      await daemon.cleanup();
    }
    expect(processesMentioning(socket), "tmux server").to.deep.equal([]);
    expect(processesMentioning(agent), "agent").to.deep.equal([]);
  });

  it("dispose() of an e2e daemon stopped with SIGKILL ends its tmux server", async () => {
    const daemon = await startE2eDaemon();
    const socket = tmuxSocketOf(daemon.stateDir);
    // Work for a project that is not paused starts its (stand-in) agent, and with it the tmux server.
    await addWork(daemon.url, (await registerProject(daemon)).id);
    await waitFor(() => processesMentioning(socket).length > 0, { what: "the daemon's tmux server" });
    await daemon.stop("SIGKILL");
    await daemon.dispose();
    expect(processesMentioning(socket)).to.deep.equal([]);
  });
});
