import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claudeDaemonEnv, prepareClaudeHome, type ClaudeHome } from "../support/claude-home.js";
import { startDaemon, type DaemonProcess } from "../support/daemon-process.js";
import { rest } from "../support/rest-client.js";
import { startScriptedModelServer, type ModelReply, type ModelTurn, type ScriptedModelServer } from "../support/scripted-model-server.js";
import { waitFor } from "../support/wait-for.js";

// Claude Code's questions (AskUserQuestion), plans (ExitPlanMode) and "allow always", against the real CLI
// in real tmux with the scripted model server: what the model receives after each answer is checked on
// the requests the CLI sends it.

const COLOUR = {
  question: "Which colour should the button be?",
  header: "Colour",
  multiSelect: false,
  options: [
    { label: "Red", description: "A warm red" },
    { label: "Blue", description: "A calm blue" },
  ],
};
const TOPPINGS = {
  question: "Which toppings do you want?",
  header: "Toppings",
  multiSelect: true,
  options: [
    { label: "Cheese", description: "Mozzarella" },
    { label: "Olives", description: "Black olives" },
    { label: "Basil", description: "Fresh basil" },
  ],
};
const PLAN = "# Plan\n1. Add a failing test\n2. Fix the parser";

/** Set while the model has written its plan file and is to present the plan next. */
let planWritten = false;

function script(turn: ModelTurn): ModelReply | undefined {
  const result = turn.toolResults[0];
  if (result && planWritten) {
    planWritten = false;
    // As a real model does: the plan is in the plan file, and ExitPlanMode presents it.
    return { toolUse: { name: "ExitPlanMode", input: {} } };
  }
  if (result) return { text: `${result.isError ? "Refused" : "Answered"}: ${result.content}` };
  if (turn.text.includes("plan the fix") || turn.text.includes("plan another fix")) {
    // Plan mode's system prompt names the one file the model may write: its plan file.
    const planFile = /create your plan at (\S+?\.md)/.exec(JSON.stringify(turn.request.body))?.[1];
    if (!planFile) return { text: "No plan file was offered." };
    planWritten = true;
    return { toolUse: { name: "Write", input: { file_path: planFile, content: PLAN } } };
  }
  if (turn.text.includes("ask me a colour")) return { toolUse: { name: "AskUserQuestion", input: { questions: [COLOUR] } } };
  if (turn.text.includes("ask me toppings")) return { toolUse: { name: "AskUserQuestion", input: { questions: [TOPPINGS] } } };
  if (turn.text.includes("run the npm tests")) {
    return { toolUse: { name: "Bash", input: { command: "npm test", description: "Run the tests" } } };
  }
  return { text: "Hello." };
}

describe("Claude Code's questions, plans and allow always (real CLI, scripted model)", function () {
  this.timeout(120_000);
  let model: ScriptedModelServer;
  let claudeHome: ClaudeHome;
  let daemon: DaemonProcess;
  let workDir: string;
  const trusted: string[] = [];

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), "commander-claude-ask-"));
    for (let index = 1; index <= 8; index++) trusted.push(await mkdtemp(join(workDir, `trusted-${index}-`)));
    await writeFile(join(trusted[7], "package.json"), JSON.stringify({ name: "demo", scripts: { test: "echo tests-ok" } }));
    await writeFile(join(trusted[4], "package.json"), JSON.stringify({ name: "demo", scripts: { test: "echo tests-ok" } }));
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

  async function register(path: string, extra: Record<string, unknown> = {}): Promise<any> {
    const response = await rest(daemon.url, "POST", "/api/projects", { path, ...extra });
    expect(response.status, response.text).to.equal(201);
    return response.body;
  }
  async function addWork(projectId: string, content: string): Promise<string> {
    const response = await rest(daemon.url, "POST", "/api/work", { project_id: projectId, content });
    expect(response.status, response.text).to.equal(201);
    return response.body.id;
  }
  const work = async (id: string) => (await rest(daemon.url, "GET", `/api/work/${id}`)).body;
  const waitForWork = (id: string, state: string) =>
    waitFor(async () => ((await work(id)).state === state ? work(id) : undefined), { timeoutMs: 60_000, what: `${id} to be ${state}` });
  const pendingEvent = (projectId: string, type: string) =>
    waitFor(
      async () =>
        ((await rest(daemon.url, "GET", `/api/events/pending?project_id=${projectId}`)).body.events as any[]).find((event) => event.type === type),
      { timeoutMs: 60_000, what: `a pending ${type} event` },
    );
  const resolve = async (eventId: string, resolution: string) => {
    const response = await rest(daemon.url, "POST", `/api/events/${eventId}/resolve`, { resolution });
    expect(response.status, response.text).to.equal(200);
    return response.body;
  };
  const stopSession = async (projectId: string) => {
    expect((await rest(daemon.url, "POST", `/api/sessions/${projectId}/stop`, {})).status).to.equal(200);
    await waitFor(async () => (await rest(daemon.url, "GET", `/api/sessions/${projectId}`)).body.state === "stopped", {
      timeoutMs: 30_000,
      what: "the session to stop",
    });
  };
  const toolResultAfter = (prompt: string) => {
    const turns = model.turns();
    const start = turns.findIndex((turn) => turn.text.includes(prompt));
    // The last one: a plan's turn runs Write (its plan file) before ExitPlanMode.
    return turns.slice(start + 1).flatMap((turn) => turn.toolResults).at(-1);
  };

  it("raises AskUserQuestion as a question event, and an answer by label reaches the model", async () => {
    const { id: projectId } = await register(trusted[0]);
    const id = await addWork(projectId, "please ask me a colour");
    const event = await pendingEvent(projectId, "question");
    expect(event.is_blocking).to.equal(true);
    expect(event.options).to.deep.equal(["Red", "Blue"]);
    expect(event.questions).to.deep.equal([
      {
        question: COLOUR.question,
        header: "Colour",
        options: COLOUR.options,
        multi_select: false,
        free_text_allowed: true,
      },
    ]);
    expect((await work(id)).state).to.equal("blocked");

    const resolved = await resolve(event.id, "blue");
    expect(resolved.session_resumed).to.equal(true);
    expect(resolved.event.resolution).to.equal("Blue");
    const done = await waitForWork(id, "completed");
    const result = toolResultAfter("please ask me a colour")!;
    expect(result.isError).to.equal(false);
    expect(result.content).to.include("Your questions have been answered").and.include("Blue");
    expect(done.result).to.include("Blue");
  });

  it("answers a multi-select question with several options, by number and label", async () => {
    const { id: projectId } = await register(trusted[1]);
    const id = await addWork(projectId, "please ask me toppings");
    const event = await pendingEvent(projectId, "question");
    expect(event.questions[0].multi_select).to.equal(true);
    const resolved = await resolve(event.id, "1, Basil");
    expect(resolved.event.resolution).to.equal("Cheese, Basil");
    await waitForWork(id, "completed");
    const result = toolResultAfter("please ask me toppings")!;
    expect(result.content).to.include("Cheese, Basil");
  });

  it("runs a project in plan mode and approves its plan: the tool runs and the item completes", async () => {
    const project = await register(trusted[2], { permission_mode: "plan" });
    expect(project.permission_mode).to.equal("plan");
    const id = await addWork(project.id, "plan the fix");
    const event = await pendingEvent(project.id, "plan_approval");
    expect(event.options).to.deep.equal(["approve", "approve:acceptEdits", "reject"]);
    expect(event.content).to.equal(PLAN);
    expect(event.context.plan_file_path).to.match(/\.claude\/plans\/.+\.md$/);
    await resolve(event.id, "approve");
    await waitForWork(id, "completed");
    const result = toolResultAfter("plan the fix")!;
    expect(result.isError).to.equal(false);
  });

  it("rejects a plan with feedback, which the model receives", async () => {
    const { id: projectId } = await register(trusted[3], { permission_mode: "plan" });
    const id = await addWork(projectId, "plan another fix");
    const event = await pendingEvent(projectId, "plan_approval");
    await resolve(event.id, "reject: add a test for empty input first");
    await waitForWork(id, "completed");
    const result = toolResultAfter("plan another fix")!;
    expect(result.isError).to.equal(true);
    expect(result.content).to.include("add a test for empty input first");
  });

  it("answers allow always: the rule goes to the policy and the next identical request is answered by it", async () => {
    const { id: projectId } = await register(trusted[4]);
    const first = await addWork(projectId, "run the npm tests");
    const event = await pendingEvent(projectId, "approval");
    expect(event.options).to.deep.equal(["allow", "allow always", "deny"]);
    expect(event.context.permission_suggestions, JSON.stringify(event.context.permission_suggestions)).to.not.be.empty;
    await resolve(event.id, "allow always");
    await waitForWork(first, "completed");
    const rules = (await rest(daemon.url, "GET", `/api/projects/${projectId}/policy/rules`)).body.rules as any[];
    expect(rules).to.have.length.greaterThan(0);
    expect(rules[0]).to.include({ action: "allow", source: `event:${event.id}` });
    expect(rules[0].rule).to.match(/^Bash/);

    // A new agent (the session's own "always" is gone with it) asks again; the policy answers.
    await stopSession(projectId);
    const second = await addWork(projectId, "run the npm tests");
    await rest(daemon.url, "POST", `/api/sessions/${projectId}/start`, {});
    await waitForWork(second, "completed");
    const events = (await rest(daemon.url, "GET", `/api/events?project_id=${projectId}&type=approval`)).body.events as any[];
    expect(events).to.have.length(2);
    expect(events[0]).to.include({ status: "resolved", resolution: "allow", resolved_by: `policy:${rules[0].rule}` });
    const results = model.turns().flatMap((turn) => turn.toolResults);
    expect(results.at(-1)!.content).to.include("tests-ok");
  });

  it("denies at once what a deny rule matches, even when an allow rule matches too", async () => {
    const { id: projectId } = await register(trusted[7]);
    const rules = `/api/projects/${projectId}/policy/rules`;
    expect((await rest(daemon.url, "POST", rules, { rule: "Bash", action: "allow" })).status).to.equal(201);
    expect((await rest(daemon.url, "POST", rules, { rule: "Bash(npm test:*)", action: "deny" })).status).to.equal(201);
    const id = await addWork(projectId, "run the npm tests");
    await waitForWork(id, "completed");
    const [event] = (await rest(daemon.url, "GET", `/api/events?project_id=${projectId}&type=approval`)).body.events as any[];
    expect(event).to.include({ status: "resolved", resolution: "deny", resolved_by: "policy:Bash(npm test:*)" });
    const result = model.turns().flatMap((turn) => turn.toolResults).at(-1)!;
    expect(result.isError).to.equal(true);
    expect(result.content).to.include("Denied by the project's policy (rule Bash(npm test:*))");
  });

  it("starts the agent with the project's model and permission mode; a PATCH applies from the next start", async () => {
    const { id: projectId } = await register(trusted[6]);
    const first = await addWork(projectId, "say hello once");
    await waitForWork(first, "completed");
    const before = model.turns().find((turn) => turn.text.includes("say hello once"))!;
    expect(JSON.stringify(before.request.body)).to.not.include("Plan mode is active");

    const patched = await rest(daemon.url, "PATCH", `/api/projects/${projectId}`, { permission_mode: "plan", model: "claude-commander-test" });
    expect(patched.status, patched.text).to.equal(200);
    await stopSession(projectId);
    const second = await addWork(projectId, "say hello twice");
    await rest(daemon.url, "POST", `/api/sessions/${projectId}/start`, {});
    await waitForWork(second, "completed");
    const after = model.turns().find((turn) => turn.text.includes("say hello twice"))!;
    expect(after.request.body?.model).to.equal("claude-commander-test");
    expect(JSON.stringify(after.request.body)).to.include("Plan mode is active");
  });
});
