import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, startDaemon, type DaemonProcess } from "../support/daemon-process.js";
import { rest } from "../support/rest-client.js";
import { waitFor } from "../support/wait-for.js";

// The work loop end to end through the REST API, with real tmux and a small interactive program of our
// own (test/support/fake-agent.mjs) under the `shell` runtime: it exercises the screen-detection paths
// (numbered question, yes/no, error text) that runtimes without hooks depend on.

describe("work loop with the shell runtime (real tmux, fake interactive agent)", function () {
  this.timeout(60_000);
  let daemon: DaemonProcess;
  let workDir: string;
  let agentLog: string;

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), "commander-shell-loop-"));
    agentLog = join(workDir, "agent-log.jsonl");
    daemon = await startDaemon({
      env: {
        COMMANDER_DEFAULT_RUNTIME: "shell",
        COMMANDER_RUNTIMES: JSON.stringify({ shell: { command: [process.execPath, join(REPO_ROOT, "test/support/fake-agent.mjs")] } }),
        COMMANDER_AGENT_ENV: "FAKE_AGENT_LOG", // agents get only allow-listed variables
        FAKE_AGENT_LOG: agentLog,
      },
    });
  });

  after(async () => {
    await daemon?.stop();
    await daemon?.cleanup();
    await rm(workDir, { recursive: true, force: true });
  });

  let projectCount = 0;
  async function newProject(): Promise<string> {
    const dir = await mkdtemp(join(workDir, `project-${++projectCount}-`));
    const response = await rest(daemon.url, "POST", "/api/projects", { path: dir, name: `p${projectCount}` });
    expect(response.status).to.equal(201);
    return response.body.id;
  }

  async function addWork(projectId: string, content: string, priority = "medium"): Promise<string> {
    const response = await rest(daemon.url, "POST", "/api/work", { project_id: projectId, content, priority });
    expect(response.status, response.text).to.equal(201);
    return response.body.id;
  }

  const work = async (id: string) => (await rest(daemon.url, "GET", `/api/work/${id}`)).body;
  const waitForWork = (id: string, state: string, timeoutMs = 20_000) =>
    waitFor(async () => ((await work(id)).state === state ? work(id) : undefined), { timeoutMs, what: `${id} to be ${state}` });
  const pendingEvent = (projectId: string, type: string) =>
    waitFor(
      async () => {
        const events = (await rest(daemon.url, "GET", `/api/events/pending?project_id=${projectId}`)).body.events as any[];
        return events.find((event) => event.type === type);
      },
      { timeoutMs: 20_000, what: `a pending ${type} event` },
    );
  const agentLines = async () =>
    (await readFile(agentLog, "utf8").catch(() => ""))
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { line: string; answering: string | null });

  it("starts the agent on its own when work arrives and completes the item with the agent's output", async () => {
    const projectId = await newProject();
    const id = await addWork(projectId, "build the thing");
    const done = await waitForWork(id, "completed");
    expect(done.result).to.equal("done: build the thing");
    expect(done.attempts).to.equal(1);
    const session = (await rest(daemon.url, "GET", `/api/sessions/${projectId}`)).body;
    expect(session.state).to.equal("idle");
    expect(session.tmux_target).to.match(/^%\d+$/);
    expect(session.attach_command).to.include("attach");
  });

  it("runs one item at a time, highest priority first, the next only after the previous completed", async () => {
    const projectId = await newProject();
    expect((await rest(daemon.url, "POST", `/api/projects/${projectId}/pause`, {})).status).to.equal(200);
    const low = await addWork(projectId, "slow 300", "low");
    const high = await addWork(projectId, "first high", "high");
    expect((await rest(daemon.url, "POST", `/api/projects/${projectId}/resume`, {})).status).to.equal(200);
    const lowDone = await waitForWork(low, "completed");
    const highDone = await work(high);
    expect(highDone.state).to.equal("completed");
    expect(Date.parse(lowDone.started_at)).to.be.at.least(Date.parse(highDone.completed_at));
    const lines = (await agentLines()).map((entry) => entry.line);
    expect(lines.indexOf("first high")).to.be.lessThan(lines.indexOf("slow 300"));
  });

  it("raises a decision event for a numbered question and types the chosen option", async () => {
    const projectId = await newProject();
    const id = await addWork(projectId, "please ask-choice");
    const event = await pendingEvent(projectId, "decision_needed");
    expect(event.title).to.equal("Which option do you prefer?");
    expect(event.options).to.deep.equal(["Red", "Blue"]);
    expect(event.is_blocking).to.equal(true);
    expect((await work(id)).state).to.equal("blocked");
    expect((await rest(daemon.url, "GET", `/api/projects/${projectId}`)).body.state).to.equal("blocked");

    const bad = await rest(daemon.url, "POST", `/api/events/${event.id}/resolve`, { resolution: "Green" });
    expect(bad.status).to.equal(400);
    const resolved = await rest(daemon.url, "POST", `/api/events/${event.id}/resolve`, { resolution: "2" });
    expect(resolved.status).to.equal(200);
    expect(resolved.body.session_resumed).to.equal(true);
    expect(resolved.body.event.resolution).to.equal("Blue");
    const done = await waitForWork(id, "completed");
    expect(done.result).to.equal("chose: Blue");

    const again = await rest(daemon.url, "POST", `/api/events/${event.id}/resolve`, { resolution: "1" });
    expect(again.status).to.equal(200);
    expect(again.body.session_resumed).to.equal(false);
    expect(again.body.event.resolution).to.equal("Blue");
    const answers = (await agentLines()).filter((entry) => entry.answering === "choice");
    expect(answers.map((entry) => entry.line)).to.deep.equal(["2"]);
  });

  it("raises an approval for a yes/no prompt and reads the guide's free-text answer as approval", async () => {
    const projectId = await newProject();
    const id = await addWork(projectId, "ask-yn now");
    const event = await pendingEvent(projectId, "approval");
    expect(event.options).to.deep.equal(["Yes", "No"]);
    const resolved = await rest(daemon.url, "POST", `/api/events/${event.id}/resolve`, { resolution: "User approved action" });
    expect(resolved.body.session_resumed).to.equal(true);
    expect((await waitForWork(id, "completed")).result).to.equal("proceeding");
  });

  it("fails the item on error text, raises a blocking error event, and carries on once it is resolved", async () => {
    const projectId = await newProject();
    const failing = await addWork(projectId, "fail");
    const failed = await waitForWork(failing, "failed");
    expect(failed.error).to.include("Error: something broke");
    const event = await pendingEvent(projectId, "error");
    expect(event.priority).to.equal("critical");
    const next = await addWork(projectId, "after the error");
    // The error blocks its own project until a human has looked at it.
    expect((await rest(daemon.url, "GET", `/api/projects/${projectId}`)).body.state).to.equal("blocked");
    expect((await work(next)).state).to.equal("queued");
    await rest(daemon.url, "POST", `/api/events/${event.id}/resolve`, { resolution: "seen" });
    expect((await waitForWork(next, "completed")).result).to.equal("done: after the error");
  });

  it("delivers inbox messages at the next turn boundary, before the next work item", async () => {
    const projectId = await newProject();
    await rest(daemon.url, "POST", `/api/projects/${projectId}/pause`, {});
    const sent = await rest(daemon.url, "POST", "/api/inbox", { project_id: projectId, content: "note from the user" });
    expect(sent.status).to.equal(201);
    const id = await addWork(projectId, "work after the note");
    await rest(daemon.url, "POST", `/api/projects/${projectId}/resume`, {});
    await waitForWork(id, "completed");
    const lines = (await agentLines()).map((entry) => entry.line);
    expect(lines.indexOf("note from the user")).to.be.within(0, lines.indexOf("work after the note"));
    const inbox = (await rest(daemon.url, "GET", `/api/inbox?project_id=${projectId}`)).body.messages;
    expect(inbox[0].state).to.equal("delivered");
  });

  it("notices an agent that exits: session error, an instance_error event, the item back in the queue", async () => {
    const projectId = await newProject();
    const id = await addWork(projectId, "exit 3");
    const event = await pendingEvent(projectId, "instance_error");
    expect(event.title).to.include("status 3");
    const item = await work(id);
    expect(item.state_reason ?? item.error).to.include("exited");
    const session = (await rest(daemon.url, "GET", `/api/sessions/${projectId}`)).body;
    expect(["error", "starting", "idle", "busy"]).to.include(session.state);
    // The item is retried by a new agent and fails for good after three attempts.
    expect((await waitForWork(id, "failed", 40_000)).attempts).to.equal(3);
  });

  it("stops the session on request and puts nothing back that had finished", async () => {
    const projectId = await newProject();
    const id = await addWork(projectId, "quick one");
    await waitForWork(id, "completed");
    const stopped = await rest(daemon.url, "POST", `/api/sessions/${projectId}/stop`, {});
    expect(stopped.status).to.equal(200);
    expect(stopped.body.state).to.equal("stopped");
    expect(stopped.body.tmux_target).to.equal("");
    expect((await work(id)).state).to.equal("completed");
    const started = await rest(daemon.url, "POST", `/api/sessions/${projectId}/start`, {});
    expect(started.status, started.text).to.equal(200);
    expect(started.body.state).to.equal("idle");
  });
});
