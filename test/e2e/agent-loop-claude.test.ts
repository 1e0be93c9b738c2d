import { expect } from "chai";
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claudeDaemonEnv, prepareClaudeHome, type ClaudeHome } from "../support/claude-home.js";
import { startDaemon, type DaemonProcess } from "../support/daemon-process.js";
import { rest } from "../support/rest-client.js";
import { startScriptedModelServer, type ModelTurn, type ScriptedModelServer } from "../support/scripted-model-server.js";
import { waitFor } from "../support/wait-for.js";

// The whole loop against the real Claude Code CLI in real tmux, through the REST API. The CLI talks to a
// scripted Anthropic Messages API server on loopback, so its turns, hooks and permission dialogs are real.

const exists = (path: string) => access(path).then(() => true, () => false);

function script(turn: ModelTurn) {
  const text = turn.text;
  const toolResult = turn.toolResults[0];
  if (toolResult) {
    return { text: toolResult.isError ? "Understood, I did not run it." : "The file is created." };
  }
  if (text.includes("create the marker")) {
    return { toolUse: { name: "Bash", input: { command: "touch marker.txt", description: "Create the marker file" } } };
  }
  if (text.includes("model breaks")) return { error: { status: 400, type: "invalid_request_error", message: "scripted failure" } };
  const echo = /echo back: (\S+)/.exec(text);
  if (echo) return { text: `You said ${echo[1]}` };
  return { text: "Hello from the scripted model." };
}

describe("work loop with the real Claude Code CLI (real tmux, hooks, scripted model server)", function () {
  this.timeout(120_000);
  let model: ScriptedModelServer;
  let claudeHome: ClaudeHome;
  let daemon: DaemonProcess;
  let workDir: string;
  const trusted: string[] = [];

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), "commander-claude-loop-"));
    for (let index = 1; index <= 6; index++) trusted.push(await mkdtemp(join(workDir, `trusted-${index}-`)));
    model = await startScriptedModelServer({ script });
    claudeHome = await prepareClaudeHome({ baseUrl: model.url, trustedDirs: trusted });
    daemon = await startDaemon({
      env: claudeDaemonEnv(claudeHome),
    });
  });

  after(async () => {
    await daemon?.stop();
    await daemon?.cleanup();
    await model?.close();
    await claudeHome?.cleanup();
    await rm(workDir, { recursive: true, force: true });
  });

  async function register(path: string): Promise<string> {
    const response = await rest(daemon.url, "POST", "/api/projects", { path });
    expect(response.status, response.text).to.equal(201);
    return response.body.id;
  }
  async function addWork(projectId: string, content: string, priority = "medium"): Promise<string> {
    const response = await rest(daemon.url, "POST", "/api/work", { project_id: projectId, content, priority });
    expect(response.status, response.text).to.equal(201);
    return response.body.id;
  }
  const work = async (id: string) => (await rest(daemon.url, "GET", `/api/work/${id}`)).body;
  const waitForWork = (id: string, state: string) =>
    waitFor(async () => ((await work(id)).state === state ? work(id) : undefined), { timeoutMs: 60_000, what: `${id} to be ${state}` });
  const pendingEvent = (projectId: string, type: string) =>
    waitFor(
      async () =>
        ((await rest(daemon.url, "GET", `/api/events/pending?project_id=${projectId}`)).body.events as any[]).find(
          (event) => event.type === type,
        ),
      { timeoutMs: 60_000, what: `a pending ${type} event` },
    );

  it("answers a work item with the model's text and completes it with that text as result", async () => {
    const projectId = await register(trusted[0]);
    const id = await addWork(projectId, "please echo back: pineapple");
    const done = await waitForWork(id, "completed");
    expect(done.result).to.equal("You said pineapple");
    const session = (await rest(daemon.url, "GET", `/api/sessions/${projectId}`)).body;
    expect(session.runtime).to.equal("claude-code");
    expect(session.state).to.equal("idle");
    expect(session.pid).to.be.greaterThan(0);
  });

  it("raises a blocking approval for a Bash tool use, and allow runs the command", async () => {
    const projectId = await register(trusted[1]);
    const id = await addWork(projectId, "create the marker file");
    const event = await pendingEvent(projectId, "approval");
    expect(event.title).to.include("Bash").and.include("touch marker.txt");
    expect(event.context.tool_name).to.equal("Bash");
    expect(event.context.tool_input.command).to.equal("touch marker.txt");
    expect(event.is_blocking).to.equal(true);
    expect((await work(id)).state).to.equal("blocked");
    const project = (await rest(daemon.url, "GET", `/api/projects/${projectId}`)).body;
    expect(project.state).to.equal("blocked");
    expect(project.state_reason).to.include(event.id);
    expect(await exists(join(trusted[1], "marker.txt"))).to.equal(false);

    const resolved = await rest(daemon.url, "POST", `/api/events/${event.id}/resolve`, { resolution: "allow" });
    expect(resolved.status).to.equal(200);
    expect(resolved.body.session_resumed).to.equal(true);
    const done = await waitForWork(id, "completed");
    expect(done.result).to.equal("The file is created.");
    expect(await exists(join(trusted[1], "marker.txt"))).to.equal(true);
  });

  it("does not run the command when the approval is denied", async () => {
    const projectId = await register(trusted[2]);
    const id = await addWork(projectId, "create the marker file");
    const event = await pendingEvent(projectId, "approval");
    await rest(daemon.url, "POST", `/api/events/${event.id}/resolve`, { response: "deny" });
    const done = await waitForWork(id, "completed");
    expect(done.result).to.equal("Understood, I did not run it.");
    expect(await exists(join(trusted[2], "marker.txt"))).to.equal(false);
  });

  it("runs two items one after the other in priority order", async () => {
    const projectId = await register(trusted[3]);
    await rest(daemon.url, "POST", `/api/projects/${projectId}/pause`, {});
    const low = await addWork(projectId, "echo back: second", "low");
    const critical = await addWork(projectId, "echo back: first", "critical");
    await rest(daemon.url, "POST", `/api/projects/${projectId}/resume`, {});
    const lowDone = await waitForWork(low, "completed");
    const criticalDone = await work(critical);
    expect(criticalDone.result).to.equal("You said first");
    expect(lowDone.result).to.equal("You said second");
    expect(Date.parse(lowDone.started_at)).to.be.at.least(Date.parse(criticalDone.completed_at));
  });

  it("fails the item when the model answers with an error", async () => {
    const projectId = await register(trusted[4]);
    const id = await addWork(projectId, "the model breaks now");
    const failed = await waitForWork(id, "failed");
    expect(failed.error).to.match(/fail/i);
  });

  it("continues the agent's conversation (--resume) after the daemon restarts", async () => {
    const stateDir = await mkdtemp(join(workDir, "restart-state-"));
    const env = claudeDaemonEnv(claudeHome);
    const first = await startDaemon({ stateDir, env });
    let projectId: string;
    try {
      projectId = (await rest(first.url, "POST", "/api/projects", { path: trusted[5] })).body.id;
      const before = (await rest(first.url, "POST", "/api/work", { project_id: projectId, content: "echo back: before-restart" })).body.id;
      await waitFor(async () => (await rest(first.url, "GET", `/api/work/${before}`)).body.state === "completed", {
        timeoutMs: 60_000,
        what: "the first item",
      });
    } finally {
      expect(await first.stop()).to.equal(0);
    }
    const second = await startDaemon({ stateDir, env });
    try {
      const after = (await rest(second.url, "POST", "/api/work", { project_id: projectId, content: "echo back: after-restart" })).body.id;
      const done = await waitFor(
        async () => {
          const item = (await rest(second.url, "GET", `/api/work/${after}`)).body;
          return item.state === "completed" ? item : undefined;
        },
        { timeoutMs: 60_000, what: "the item after the restart" },
      );
      expect(done.result).to.equal("You said after-restart");
      const turn = model.turns().find((candidate) => candidate.text.includes("echo back: after-restart"))!;
      // The model saw the earlier exchange: the agent continued the same conversation.
      expect(JSON.stringify(turn.request.body?.messages)).to.include("You said before-restart");
    } finally {
      await second.stop();
    }
  });

  it("raises Claude Code's folder-trust dialog as an event and starts once it is answered", async () => {
    const untrusted = await mkdtemp(join(workDir, "untrusted-"));
    const projectId = await register(untrusted);
    const id = await addWork(projectId, "echo back: trusted");
    const event = await pendingEvent(projectId, "decision_needed");
    expect(event.options).to.include("Yes, I trust this folder");
    await rest(daemon.url, "POST", `/api/events/${event.id}/resolve`, { resolution: "Yes, I trust this folder" });
    expect((await waitForWork(id, "completed")).result).to.equal("You said trusted");
  });
});
