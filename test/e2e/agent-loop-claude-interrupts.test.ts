import { expect } from "chai";
import { execFile } from "node:child_process";
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { STOPPED_BY_A_PERSON } from "../../src/domain/agent-start-rules.js";
import { claudeDaemonEnv, prepareClaudeHome, type ClaudeHome } from "../support/claude-home.js";
import { startDaemon, tmuxSocketOf, type DaemonProcess } from "../support/daemon-process.js";
import { rest } from "../support/rest-client.js";
import { startScriptedModelServer, type ModelReply, type ModelTurn, type ScriptedModelServer } from "../support/scripted-model-server.js";
import { waitFor } from "../support/wait-for.js";

// Turns that end without Claude Code's Stop hook, answers given in the pane, a hook that gave up, model
// errors and "stop means stop", against the real Claude Code CLI in real tmux with a scripted model server.

const run = promisify(execFile);
const exists = (path: string) => access(path).then(() => true, () => false);
/** Seconds the PermissionRequest hook waits before Claude Code shows its own dialog (the new setting). */
const PERMISSION_TIMEOUT = 4;

describe("Claude Code turns that end without Stop, answers in the pane, model errors (real CLI)", function () {
  this.timeout(90_000);
  let model: ScriptedModelServer;
  let claudeHome: ClaudeHome;
  let daemon: DaemonProcess;
  let workDir: string;
  const trusted: string[] = [];
  /** How often each prompt reached the model (the first time may be scripted differently). */
  const seen = new Map<string, number>();

  function script(turn: ModelTurn): ModelReply {
    const [toolResult] = turn.toolResults;
    // After Esc on its dialog, the next prompt arrives with the refused tool's result: the prompt decides.
    if (toolResult && !turn.prompt.includes("create the marker")) {
      return { text: toolResult.isError ? "Understood, I did not run it." : "The file is created." };
    }
    const times = (seen.get(turn.prompt) ?? 0) + 1;
    seen.set(turn.prompt, times);
    if (turn.prompt.includes("create the marker")) {
      return { toolUse: { name: "Bash", input: { command: "touch marker.txt", description: "Create the marker file" } } };
    }
    if (turn.prompt.includes("think long")) return { text: "Thought about it.", ...(times === 1 ? { delayMs: 30_000 } : {}) };
    if (turn.prompt.includes("mull it over")) return { text: "Mulled.", delayMs: 30_000 };
    if (turn.prompt.includes("ponder") && times === 1) return { text: "Pondered.", delayMs: 30_000 };
    if (turn.prompt.includes("overloaded once") && times === 1) {
      return { error: { status: 529, type: "overloaded_error", message: "Overloaded" } };
    }
    if (turn.prompt.includes("key refused") && times === 1) {
      return { error: { status: 401, type: "authentication_error", message: "invalid x-api-key" } };
    }
    const echo = /echo back: (\S+)/.exec(turn.text);
    if (echo) return { text: `You said ${echo[1]}` };
    return { text: "Hello from the scripted model." };
  }

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), "commander-claude-interrupts-"));
    for (let index = 1; index <= 9; index++) trusted.push(await mkdtemp(join(workDir, `trusted-${index}-`)));
    model = await startScriptedModelServer({ script });
    claudeHome = await prepareClaudeHome({ baseUrl: model.url, trustedDirs: trusted });
    daemon = await startDaemon({
      env: claudeDaemonEnv(claudeHome, { COMMANDER_CLAUDE_PERMISSION_TIMEOUT: String(PERMISSION_TIMEOUT) }),
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
  async function addWork(projectId: string, content: string): Promise<string> {
    const response = await rest(daemon.url, "POST", "/api/work", { project_id: projectId, content });
    expect(response.status, response.text).to.equal(201);
    return response.body.id;
  }
  const work = async (id: string) => (await rest(daemon.url, "GET", `/api/work/${id}`)).body;
  const session = async (projectId: string) => (await rest(daemon.url, "GET", `/api/sessions/${projectId}`)).body;
  const event = async (id: string) => (await rest(daemon.url, "GET", `/api/events/${id}`)).body;
  const until = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 45_000) =>
    waitFor(async () => (await probe()) || undefined, { timeoutMs, what }) as Promise<T>;
  const waitForWork = (id: string, state: string) => until<any>(`${id} to be ${state}`, async () => ((await work(id)).state === state ? work(id) : undefined));
  const pendingApproval = (projectId: string, except: string[] = []) =>
    until<any>("a pending approval", async () =>
      ((await rest(daemon.url, "GET", `/api/events/pending?project_id=${projectId}`)).body.events as any[]).find(
        (candidate) => candidate.type === "approval" && !except.includes(candidate.id),
      ),
    );
  const tmux = (...args: string[]) => run("tmux", ["-S", tmuxSocketOf(daemon.stateDir), ...args]);
  const screenOf = async (projectId: string) => (await tmux("capture-pane", "-p", "-t", (await session(projectId)).tmux_target)).stdout;
  const press = async (projectId: string, key: string) => tmux("send-keys", "-t", (await session(projectId)).tmux_target, key);
  const promptsOf = (text: string) => model.turns().filter((turn) => turn.prompt.includes(text));

  it("Esc while the model thinks: the item goes back to the queue, runs again with the prompt alone, and the next item follows", async () => {
    const projectId = await register(trusted[0]);
    const first = await addWork(projectId, "please think long about it");
    const second = await addWork(projectId, "echo back: next");
    await until("the model to think", async () => promptsOf("think long").length === 1 && /esc to interrupt/.test(await screenOf(projectId)));
    await press(projectId, "Escape");
    const done = await waitForWork(first, "completed");
    expect(done.result).to.equal("Thought about it.");
    expect(done.attempts).to.equal(2);
    expect((await waitForWork(second, "completed")).result).to.equal("You said next");
    // Claude Code put the interrupted prompt back in its input line; it was emptied before the prompt was typed again.
    expect(promptsOf("think long").map((turn) => turn.prompt)).to.deep.equal(["please think long about it", "please think long about it"]);
    expect((await session(projectId)).state).to.equal("idle");
  });

  it("Esc on a pending approval: the event is closed as answered in the terminal and the item requeued", async () => {
    const projectId = await register(trusted[1]);
    const id = await addWork(projectId, "create the marker file");
    const approval = await pendingApproval(projectId);
    await until("Claude's dialog", async () => /Do you want to proceed\?/.test(await screenOf(projectId)));
    await until("the dialog to take the Escape", async () => {
      if (!/Do you want to proceed\?/.test(await screenOf(projectId))) return true;
      await press(projectId, "Escape");
      await new Promise((resolve) => setTimeout(resolve, 700));
      return false;
    });
    const closed = await until<any>("the event to close", async () => ((await event(approval.id)).status === "resolved" ? event(approval.id) : undefined));
    expect(closed.resolution).to.equal("answered in the terminal");
    expect(closed.context.resolved_in).to.equal("terminal");
    // The item went back to the queue and runs again: a new approval, answered through the API this time.
    const again = await pendingApproval(projectId, [approval.id]);
    expect((await work(id)).attempts).to.equal(2);
    await rest(daemon.url, "POST", `/api/events/${again.id}/resolve`, { resolution: "allow" });
    expect((await waitForWork(id, "completed")).result).to.equal("The file is created.");
  });

  it("answered in the pane: the approval is closed as answered in the terminal and the turn completes", async () => {
    const projectId = await register(trusted[2]);
    const id = await addWork(projectId, "create the marker file");
    const approval = await pendingApproval(projectId);
    await until("Claude's dialog", async () => /Do you want to proceed\?/.test(await screenOf(projectId)));
    // Claude Code drops keys sent while it redraws a dialog it just showed: press until the dialog is gone.
    await until("the dialog to take the answer", async () => {
      if (!/Do you want to proceed\?/.test(await screenOf(projectId))) return true;
      await press(projectId, "1");
      await new Promise((resolve) => setTimeout(resolve, 700));
      return false;
    });
    expect((await waitForWork(id, "completed")).result).to.equal("The file is created.");
    const closed = await event(approval.id);
    expect(closed).to.include({ status: "resolved", resolution: "answered in the terminal" });
    expect(await exists(join(trusted[2], "marker.txt"))).to.equal(true);
  });

  it("a hook that gave up (claude_permission_timeout): a later answer is typed into Claude's own dialog", async () => {
    const projectId = await register(trusted[3]);
    const id = await addWork(projectId, "create the marker file");
    const approval = await pendingApproval(projectId);
    const waiting = await until<any>("the hook to give up", async () => {
      const current = await session(projectId);
      return current.state_reason?.includes("its own dialog") ? current : undefined;
    });
    expect(waiting.state_reason).to.include(approval.id);
    expect((await event(approval.id)).status).to.equal("pending");
    const resolved = await rest(daemon.url, "POST", `/api/events/${approval.id}/resolve`, { resolution: "allow" });
    expect(resolved.body.session_resumed).to.equal(true);
    expect((await waitForWork(id, "completed")).result).to.equal("The file is created.");
    expect(await exists(join(trusted[3], "marker.txt"))).to.equal(true);
  });

  it("an overloaded model (529): the item is requeued with its next try visible, then completes", async () => {
    const projectId = await register(trusted[4]);
    const id = await addWork(projectId, "overloaded once: echo back: recovered");
    const backedOff = await until<any>("the back-off", async () => {
      const item = await work(id);
      return item.state === "queued" && item.next_attempt_at ? item : undefined;
    });
    expect(backedOff.state_reason).to.include("529");
    expect(Date.parse(backedOff.next_attempt_at)).to.be.greaterThan(Date.now() - 1000);
    expect((await session(projectId)).state_reason).to.include("529");
    const done = await waitForWork(id, "completed");
    expect(done.result).to.equal("You said recovered");
    // Claude Code sends the failed prompt again in front of the next one: the item's text is not typed twice.
    const retried = model.turns().at(-1)!;
    expect(retried.text.split("overloaded once: echo back: recovered").length - 1, retried.text).to.equal(1);
    expect(Date.parse(done.started_at)).to.be.at.least(Date.parse(backedOff.next_attempt_at));
  });

  it("a refused API key: one error event for the session, the item waits in the queue until it is resolved", async () => {
    const projectId = await register(trusted[8]);
    const id = await addWork(projectId, "key refused: echo back: authorised");
    const error = await until<any>("an error event", async () =>
      ((await rest(daemon.url, "GET", `/api/events/pending?project_id=${projectId}`)).body.events as any[]).find((candidate) => candidate.type === "error"),
    );
    expect(error.title).to.include("refused access");
    expect(error.is_blocking).to.equal(true);
    const queued = await work(id);
    expect(queued.state).to.equal("queued");
    expect(queued.state_reason).to.include("refused access");
    await rest(daemon.url, "POST", `/api/events/${error.id}/resolve`, { resolution: "fixed the key" });
    expect((await waitForWork(id, "completed")).result).to.equal("You said authorised");
  });

  it("stop means stop: no automatic start while work is queued; a person's start runs it with the prompt once", async () => {
    const projectId = await register(trusted[5]);
    const id = await addWork(projectId, "please ponder, then echo back: resumed");
    await until("the model to think", async () => promptsOf("ponder").length === 1 && /esc to interrupt/.test(await screenOf(projectId)));
    const stopped = await rest(daemon.url, "POST", `/api/sessions/${projectId}/stop`, {});
    expect(stopped.status, stopped.text).to.equal(200);
    expect((await work(id)).state).to.equal("queued");
    // Queued work does not start it again.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const still = await session(projectId);
    expect(still).to.include({ state: "stopped", state_reason: STOPPED_BY_A_PERSON });
    expect((await work(id)).state).to.equal("queued");
    const started = await rest(daemon.url, "POST", `/api/sessions/${projectId}/start`, {});
    expect(started.status, started.text).to.equal(200);
    // The conversation is continued (--resume): it holds the item's text already, which is not sent again.
    expect((await waitForWork(id, "completed")).result).to.equal("Hello from the scripted model.");
    const last = model.turns().at(-1)!;
    const sent = JSON.stringify(last.request.body?.messages);
    expect(sent.split("please ponder, then echo back: resumed").length - 1, "the item's text, once").to.equal(1);
    expect(last.prompt).to.include("carry on");
  });

  it("POST /api/work/{id}/complete frees the session: the agent is interrupted and the next item runs", async () => {
    const projectId = await register(trusted[7]);
    const first = await addWork(projectId, "please mull it over");
    const second = await addWork(projectId, "echo back: afterwards");
    await until("the model to think", async () => promptsOf("mull it over").length === 1 && /esc to interrupt/.test(await screenOf(projectId)));
    const completed = await rest(daemon.url, "POST", `/api/work/${first}/complete`, { result: "done by hand" });
    expect(completed.status, completed.text).to.equal(200);
    expect((await waitForWork(second, "completed")).result).to.equal("You said afterwards");
    expect((await work(first)).result).to.equal("done by hand");
    expect((await session(projectId)).state).to.equal("idle");
    expect(promptsOf("mull it over")).to.have.length(1);
  });

  it("keeps Claude's reply to an inbox message with the message", async () => {
    const projectId = await register(trusted[6]);
    const sent = await rest(daemon.url, "POST", `/api/projects/${projectId}/messages`, { content: "echo back: inbox" });
    expect(sent.status, sent.text).to.be.oneOf([200, 201]);
    const reply = await until<string>("the reply", async () => {
      const messages = (await rest(daemon.url, "GET", `/api/inbox?project_id=${projectId}`)).body.messages as any[];
      return messages.find((message) => message.id === sent.body.id)?.reply;
    });
    expect(reply).to.equal("You said inbox");
  });
});
