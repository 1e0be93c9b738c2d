import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claudeDaemonEnv, prepareClaudeHome, type ClaudeHome } from "../support/claude-home.js";
import { startDaemon, type DaemonProcess } from "../support/daemon-process.js";
import { rest } from "../support/rest-client.js";
import { startScriptedModelServer, type ModelReply, type ModelTurn, type ScriptedModelServer } from "../support/scripted-model-server.js";
import { waitFor } from "../support/wait-for.js";

// Tokens, cost, budgets, transcript and files changed with the real Claude Code CLI, whose scripted model
// server reports known usage numbers with every response.

const FIRST = { input_tokens: 1000, output_tokens: 200, cache_creation_input_tokens: 300, cache_read_input_tokens: 4000 };
const SECOND = { input_tokens: 1500, output_tokens: 100, cache_creation_input_tokens: 0, cache_read_input_tokens: 6000 };
const EXPENSIVE = { input_tokens: 100_000, output_tokens: 1000, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
// USD per million tokens for every `claude-…` model (the CLI's default model among them).
const PRICES = { claude: { input: 10, output: 50, cache_write: 12.5, cache_read: 1 } };
const cost = (u: typeof FIRST) =>
  (u.input_tokens * 10 + u.output_tokens * 50 + u.cache_creation_input_tokens * 12.5 + u.cache_read_input_tokens * 1) / 1_000_000;

function script(turn: ModelTurn): ModelReply {
  const result = turn.toolResults[0];
  if (result) {
    if (result.content.includes("notes.md")) return { text: "Notes written.", usage: SECOND };
    return { text: result.isError ? "Stopped: the budget is spent." : "Ran it." };
  }
  if (turn.text.includes("write the notes")) {
    return { toolUse: { name: "Write", input: { file_path: "notes.md", content: "one\ntwo\n" } }, text: "Writing the notes.", usage: FIRST };
  }
  if (turn.text.includes("ask elsewhere")) return { text: "From elsewhere.", model: "mystery-model-1", usage: SECOND };
  if (turn.text.includes("spend a lot")) return { toolUse: { name: "Bash", input: { command: "touch spent.txt", description: "Spend" } }, usage: EXPENSIVE };
  return { text: "OK." };
}

describe("usage with the real Claude Code CLI (tokens, cost, budget, transcript, diff)", function () {
  this.timeout(120_000);
  let model: ScriptedModelServer;
  let claudeHome: ClaudeHome;
  let daemon: DaemonProcess;
  let workDir: string;
  let stateDir: string;
  const dirs: string[] = [];
  let env: NodeJS.ProcessEnv;

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), "commander-usage-claude-"));
    stateDir = await mkdtemp(join(workDir, "state-"));
    for (let index = 1; index <= 2; index++) dirs.push(await mkdtemp(join(workDir, `trusted-${index}-`)));
    execFileSync("git", ["init", "-q"], { cwd: dirs[0] });
    model = await startScriptedModelServer({ script });
    claudeHome = await prepareClaudeHome({ baseUrl: model.url, trustedDirs: dirs });
    env = claudeDaemonEnv(claudeHome, { COMMANDER_PRICES: JSON.stringify(PRICES) });
    daemon = await startDaemon({ stateDir, env });
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") {
      console.log(model.requests.map((r) => r.kind + " " + JSON.stringify(r.reply ?? null).slice(0, 200)).join("\n"));
      console.log(daemon.logLines().filter((line) => String(line.msg).match(/hook|budget|usage|turn|dispatch/)).map((line) => JSON.stringify(line)).join("\n"));
    }
  });

  after(async () => {
    await daemon?.stop();
    await daemon?.cleanup();
    await model?.close();
    await claudeHome?.cleanup();
    await rm(workDir, { recursive: true, force: true });
  });

  const work = async (id: string) => (await rest(daemon.url, "GET", `/api/work/${id}`)).body;
  const waitForWork = (id: string, state: string) =>
    waitFor(async () => ((await work(id)).state === state ? work(id) : undefined), { timeoutMs: 60_000, what: `${id} to be ${state}` });
  const pendingEvent = (projectId: string, type: string) =>
    waitFor(
      async () => ((await rest(daemon.url, "GET", `/api/events/pending?project_id=${projectId}`)).body.events as any[]).find((event) => event.type === type),
      { timeoutMs: 60_000, what: `a pending ${type} event` },
    );

  let notesProject = "";
  let notesItem = "";

  it("counts the tokens the model server sent, prices them, and records the Write tool's file and diff", async () => {
    notesProject = (await rest(daemon.url, "POST", "/api/projects", { path: dirs[0] })).body.id;
    notesItem = (await rest(daemon.url, "POST", "/api/work", { project_id: notesProject, content: "please write the notes" })).body.id;
    const approval = await pendingEvent(notesProject, "approval");
    expect(approval.context.tool_name).to.equal("Write");
    await rest(daemon.url, "POST", `/api/events/${approval.id}/resolve`, { resolution: "allow" });
    const done = await waitForWork(notesItem, "completed");

    const usage = done.usage;
    expect(usage.tokens).to.deep.equal({
      input: String(FIRST.input_tokens + SECOND.input_tokens),
      output: String(FIRST.output_tokens + SECOND.output_tokens),
      cache_creation: String(FIRST.cache_creation_input_tokens + SECOND.cache_creation_input_tokens),
      cache_read: String(FIRST.cache_read_input_tokens + SECOND.cache_read_input_tokens),
    });
    expect(usage.model_calls).to.equal(2);
    expect(usage.tool_uses).to.equal(1);
    expect(usage.models).to.have.length(1);
    expect(usage.models[0]).to.match(/^claude-/);
    expect(usage.cost_usd).to.be.closeTo(cost(FIRST) + cost(SECOND), 1e-9);
    expect(Number(usage.waiting_time_ms)).to.be.greaterThan(0);
    expect(Number(usage.wall_time_ms)).to.be.at.least(Number(usage.waiting_time_ms));
    expect(usage.changed_files).to.deep.equal([{ path: "notes.md", added: 2, removed: 0, binary: false }]);

    const diff = (await rest(daemon.url, "GET", `/api/work/${notesItem}/diff`)).body;
    expect(diff.files.map((file: any) => file.path)).to.deep.equal(["notes.md"]);
    expect(diff.files[0].diff).to.include("+one").and.include("+two");

    const transcript = (await rest(daemon.url, "GET", `/api/work/${notesItem}/transcript`)).body;
    const kinds = (transcript.entries as any[]).map((entry) => entry.kind);
    expect(kinds).to.deep.equal(["prompt", "assistant_text", "tool_use", "human_answer", "tool_result", "assistant_text"]);
    const entries = transcript.entries as any[];
    expect(entries[0].text).to.equal("please write the notes");
    expect(entries[2].tool_name).to.equal("Write");
    expect(JSON.parse(entries[2].tool_input_json)).to.deep.include({ content: "one\ntwo\n" });
    expect(entries[3].text).to.include("allow");
    expect(entries[3].answered_by).to.not.equal("");
    expect(entries[5].text).to.equal("Notes written.");

    const paged = (await rest(daemon.url, "GET", `/api/work/${notesItem}/transcript?page_size=4`)).body;
    expect(paged.entries).to.have.length(4);
    const rest2 = (await rest(daemon.url, "GET", `/api/work/${notesItem}/transcript?page_size=4&page_token=${paged.next_page_token}`)).body;
    expect((rest2.entries as any[]).map((entry) => entry.kind)).to.deep.equal(["tool_result", "assistant_text"]);
    expect(rest2.next_page_token ?? "").to.equal("");

    const totals = (await rest(daemon.url, "GET", `/api/usage?project_id=${notesProject}`)).body;
    expect(totals.totals.cost_usd).to.be.closeTo(usage.cost_usd, 1e-9);
    expect(totals.totals.work_items).to.equal(1);
    expect(totals.days).to.have.length(1);
    expect(totals.sessions).to.have.length(1);
    const project = (await rest(daemon.url, "GET", `/api/projects/${notesProject}`)).body;
    expect(project.usage.cost_usd).to.be.closeTo(usage.cost_usd, 1e-9);
    expect(project.usage_today.work_items).to.equal(1);
    const session = (await rest(daemon.url, "GET", `/api/sessions/${notesProject}`)).body;
    expect(session.usage.work_items).to.equal(1);
    expect(session.usage.tokens).to.deep.equal(usage.tokens);
  });

  it("pauses the project mid-turn when a budget of a few cents is reached, refusing the next tool use", async () => {
    const projectId = (await rest(daemon.url, "POST", "/api/projects", { path: dirs[1] })).body.id;
    const set = await rest(daemon.url, "PUT", `/api/projects/${projectId}/budget`, { total_usd: 0.05 });
    expect(set.status, set.text).to.equal(200);
    const id = (await rest(daemon.url, "POST", "/api/work", { project_id: projectId, content: "spend a lot" })).body.id;
    const budget = await pendingEvent(projectId, "budget");
    expect(budget.is_blocking).to.equal(true);
    expect(budget.title).to.include("total_usd");
    const done = await waitForWork(id, "completed");
    expect(done.result).to.equal("Stopped: the budget is spent.");
    expect(await access(join(dirs[1], "spent.txt")).then(() => true, () => false)).to.equal(false);
    const events = (await rest(daemon.url, "GET", `/api/events?project_id=${projectId}`)).body.events as any[];
    expect(events.filter((event) => event.type === "approval")).to.have.length(0);
    expect(events.filter((event) => event.type === "budget")).to.have.length(1);
    const project = (await rest(daemon.url, "GET", `/api/projects/${projectId}`)).body;
    expect(project.state).to.equal("paused");
    expect(project.state_reason).to.include("budget total_usd");
    expect(done.usage.cost_usd).to.be.greaterThan(0.05);

    // Raising the limit through the event resumes the project.
    const resolved = await rest(daemon.url, "POST", `/api/events/${budget.id}/resolve`, { resolution: "10" });
    expect(resolved.status, resolved.text).to.equal(200);
    const after = (await rest(daemon.url, "GET", `/api/projects/${projectId}`)).body;
    expect(after.state).to.not.equal("paused");
    expect(after.budget.total_usd).to.equal(10);
    const next = (await rest(daemon.url, "POST", "/api/work", { project_id: projectId, content: "anything else" })).body.id;
    expect((await waitForWork(next, "completed")).result).to.equal("OK.");
  });

  it("keeps the accounting across a daemon restart", async () => {
    const before = await work(notesItem);
    const totalsBefore = (await rest(daemon.url, "GET", "/api/usage")).body;
    expect(await daemon.stop()).to.equal(0);
    daemon = await startDaemon({ stateDir, env });
    expect((await work(notesItem)).usage).to.deep.equal(before.usage);
    expect((await rest(daemon.url, "GET", "/api/usage")).body).to.deep.equal(totalsBefore);
    const transcript = (await rest(daemon.url, "GET", `/api/work/${notesItem}/transcript`)).body;
    expect(transcript.entries).to.have.length(6);
  });

  it("counts the tokens of a model without a price, and says why there is no cost", async () => {
    const id = (await rest(daemon.url, "POST", "/api/work", { project_id: notesProject, content: "ask elsewhere" })).body.id;
    const { usage } = await waitForWork(id, "completed");
    expect(usage.models).to.deep.equal(["mystery-model-1"]);
    expect(usage.tokens.input).to.equal(String(SECOND.input_tokens));
    expect(usage.cost_usd ?? null).to.equal(null);
    expect(usage.cost_missing_reason).to.include("no price for model mystery-model-1");
    const totals = (await rest(daemon.url, "GET", `/api/usage?project_id=${notesProject}`)).body.totals;
    expect(totals.work_items).to.equal(2);
    expect(totals.work_items_without_cost).to.equal(1);
  });
});
