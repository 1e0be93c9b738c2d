import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { claudeDaemonEnv, prepareClaudeHome, type ClaudeHome } from "../support/claude-home.js";
import { startDaemon, type DaemonProcess } from "../support/daemon-process.js";
import { rest } from "../support/rest-client.js";
import { startScriptedModelServer, type ModelReply, type ModelTurn, type ScriptedModelServer } from "../support/scripted-model-server.js";
import { waitFor } from "../support/wait-for.js";
import { launchBrowser, openDashboard, type DashboardPage } from "./support/dashboard-browser.js";

// The dashboard in headless Chromium with the real Claude Code CLI in real tmux, talking to the scripted
// model server: its permission requests, questions (AskUserQuestion) and plans (ExitPlanMode) answered by
// clicking in Needs you. Agent text here is hostile: it must stay text.

const HOSTILE = `<img src=x onerror="window.__pwned='claude'">`;
const COLOUR = {
  question: `Which colour should the button be? ${HOSTILE}`,
  header: "Colour",
  multiSelect: false,
  options: [
    { label: "Red", description: "A warm red" },
    { label: "Blue", description: `A calm blue ${HOSTILE}` },
  ],
};
const TOPPINGS = {
  question: "Which toppings do you want?",
  header: "<b>Toppings</b>",
  multiSelect: true,
  options: [
    { label: "Cheese", description: "Mozzarella" },
    { label: "Olives", description: "Black olives" },
    { label: "javascript:window.__pwned='option'", description: "Fresh basil" },
  ],
};
const PLAN = `# Plan\n1. Add a failing test ${HOSTILE}\n2. Fix the parser\n\n<script>window.__pwned='plan'</script>`;

let planWritten = false;

function script(turn: ModelTurn): ModelReply | undefined {
  const result = turn.toolResults[0];
  if (result && planWritten) {
    planWritten = false;
    return { toolUse: { name: "ExitPlanMode", input: {} } };
  }
  if (result) return { text: `${result.isError ? "Refused" : "Answered"}: ${result.content}` };
  if (turn.text.includes("plan the fix")) {
    const planFile = /create your plan at (\S+?\.md)/.exec(JSON.stringify(turn.request.body))?.[1];
    if (!planFile) return { text: "No plan file was offered." };
    planWritten = true;
    return { toolUse: { name: "Write", input: { file_path: planFile, content: PLAN } } };
  }
  if (turn.text.includes("ask me one thing")) return { toolUse: { name: "AskUserQuestion", input: { questions: [COLOUR] } } };
  if (turn.text.includes("ask me two things")) return { toolUse: { name: "AskUserQuestion", input: { questions: [COLOUR, TOPPINGS] } } };
  if (turn.text.includes("run the npm tests")) return { toolUse: { name: "Bash", input: { command: "npm test", description: "Run the tests" } } };
  return { text: "Hello." };
}

describe("dashboard with the real Claude Code CLI (browser, scripted model)", function () {
  this.timeout(90_000);
  let model: ScriptedModelServer;
  let claudeHome: ClaudeHome;
  let daemon: DaemonProcess;
  let browser: Browser;
  let workDir: string;
  const trusted: string[] = [];
  const open: DashboardPage[] = [];

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), "commander-web-claude-"));
    for (let index = 1; index <= 5; index++) {
      const dir = await mkdtemp(join(workDir, `trusted-${index}-`));
      await writeFile(join(dir, "package.json"), JSON.stringify({ name: "demo", scripts: { test: "echo tests-ok" } }));
      trusted.push(dir);
    }
    model = await startScriptedModelServer({ script });
    claudeHome = await prepareClaudeHome({ baseUrl: model.url, trustedDirs: trusted });
    [daemon, browser] = await Promise.all([
      startDaemon({
        env: claudeDaemonEnv(claudeHome),
      }),
      launchBrowser(),
    ]);
  });

  after(async () => {
    await browser?.close();
    await daemon?.stop();
    await daemon?.cleanup();
    await model?.close();
    await claudeHome?.cleanup();
    await rm(workDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const page of open.splice(0)) await page.close();
  });

  async function dashboard(path: string): Promise<DashboardPage> {
    const page = await openDashboard(browser, daemon.url, path);
    open.push(page);
    return page;
  }
  async function register(path: string, extra: Record<string, unknown> = {}): Promise<string> {
    const response = await rest(daemon.url, "POST", "/api/projects", { path, ...extra });
    expect(response.status, response.text).to.equal(201);
    return response.body.id;
  }
  async function addWork(projectId: string, content: string): Promise<string> {
    const response = await rest(daemon.url, "POST", "/api/work", { project_id: projectId, content });
    expect(response.status, response.text).to.equal(201);
    return response.body.id;
  }
  const work = async (id: string) => (await rest(daemon.url, "GET", `/api/work/${id}`)).body;
  const waitForWork = (id: string, state: string) =>
    waitFor(async () => ((await work(id)).state === state ? work(id) : undefined), { timeoutMs: 45_000, what: `${id} to be ${state}` });
  const toolResultAfter = (prompt: string) => {
    const turns = model.turns();
    const start = turns.findIndex((turn) => turn.text.includes(prompt));
    return turns.slice(start + 1).flatMap((turn) => turn.toolResults).at(-1);
  };
  async function expectNothingRan(dash: DashboardPage): Promise<void> {
    expect(await dash.page.evaluate(() => (window as any).__pwned)).to.equal(undefined);
    expect(await dash.page.locator("#app img, #app script, #app b").count()).to.equal(0);
    expect(await dash.page.locator('a[href^="javascript:" i]').count()).to.equal(0);
    expect(dash.incidents).to.deep.equal([]);
  }

  it("shows a Bash permission request in Needs you with allow always explained; clicking allow completes the item", async () => {
    const projectId = await register(trusted[0]);
    const dash = await dashboard("/");
    const id = await addWork(projectId, "please run the npm tests");
    const card = dash.page.locator("article.event", { hasText: "Allow Bash" });
    await card.waitFor({ timeout: 45_000 });
    expect(await card.getByRole("button").allTextContents()).to.include.members(["allow", "allow always", "deny"]);
    const always = card.getByRole("button", { name: "allow always", exact: true });
    expect(await always.getAttribute("class")).to.include("always");
    // The note says what "allow always" adds to the policy (Claude Code's suggestion for this command).
    expect(await card.locator(".always-note").textContent()).to.match(/adds to the project's policy: Bash\(npm test/);
    await card.getByRole("button", { name: "allow", exact: true }).click();
    await card.waitFor({ state: "detached" });
    await waitForWork(id, "completed");
    expect(toolResultAfter("please run the npm tests")!.content).to.include("tests-ok");
    // "allow" (not always) leaves the policy empty.
    expect((await rest(daemon.url, "GET", `/api/projects/${projectId}/policy/rules`)).body.rules).to.deep.equal([]);
    expect(dash.incidents).to.deep.equal([]);
  });

  it("answers two questions at once (one choice, several choices), by clicking; hostile text stays text", async () => {
    const projectId = await register(trusted[1]);
    const dash = await dashboard("/");
    const id = await addWork(projectId, "please ask me two things");
    const card = dash.page.locator("article.event", { hasText: "Which toppings" });
    await card.waitFor({ timeout: 45_000 });
    const colour = card.getByRole("group", { name: COLOUR.question });
    const toppings = card.getByRole("group", { name: TOPPINGS.question });
    expect(await colour.getByText(`A calm blue ${HOSTILE}`).count()).to.equal(1);
    expect(await toppings.getByText("<b>Toppings</b>").count()).to.equal(1);
    // On a phone the card fits the screen and its options are large enough to tap.
    const phone = await openDashboard(browser, daemon.url, "/", { viewport: { width: 390, height: 844 }, isMobile: true });
    open.push(phone);
    const phoneOption = phone.page.getByRole("checkbox", { name: "Cheese", exact: true });
    await phoneOption.waitFor();
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(390);
    expect((await phone.page.getByRole("button", { name: "Blue", exact: true }).boundingBox())!.height).to.be.at.least(44);
    expect((await phone.page.locator("label.check", { has: phoneOption }).boundingBox())!.height).to.be.at.least(44);

    const send = card.getByRole("button", { name: "Send answers" });
    expect(await send.isDisabled()).to.equal(true);
    await colour.getByRole("button", { name: "Blue", exact: true }).click();
    expect(await colour.getByRole("button", { name: "Blue", exact: true }).getAttribute("aria-pressed")).to.equal("true");
    await toppings.getByRole("checkbox", { name: "Cheese", exact: true }).check();
    await toppings.getByRole("checkbox", { name: "javascript:window.__pwned='option'", exact: true }).check();
    await toppings.getByLabel("Also, in your own words").fill("extra basil");
    await send.click();
    await card.waitFor({ state: "detached" });
    const done = await waitForWork(id, "completed");
    const result = toolResultAfter("please ask me two things")!;
    expect(result.isError).to.equal(false);
    expect(result.content).to.include("Blue").and.include("Cheese, javascript:window.__pwned='option', extra basil");
    expect(done.result).to.include("Blue");
    await expectNothingRan(dash);
  });

  it("answers a single one-choice question with one click", async () => {
    const projectId = await register(trusted[4]);
    const dash = await dashboard("/");
    const id = await addWork(projectId, "please ask me one thing");
    const card = dash.page.locator("article.event", { hasText: "A calm blue" });
    await card.waitFor({ timeout: 45_000 });
    expect(await card.getByRole("button", { name: "Send answer" }).count()).to.equal(0);
    await card.getByRole("button", { name: "Red", exact: true }).click();
    await card.waitFor({ state: "detached" });
    await waitForWork(id, "completed");
    expect(toolResultAfter("please ask me one thing")!.content).to.include("Your questions have been answered").and.include("Red");
    const [event] = (await rest(daemon.url, "GET", `/api/events?project_id=${projectId}&type=question`)).body.events as any[];
    expect(event.resolution).to.equal("Red");
    await expectNothingRan(dash);
  });

  it("shows a plan as text with its line breaks, and rejects it with feedback the model receives", async () => {
    const projectId = await register(trusted[2], { permission_mode: "plan" });
    const dash = await dashboard("/");
    const id = await addWork(projectId, "please plan the fix");
    const card = dash.page.locator("article.event", { hasText: "Approve Claude's plan?" });
    await card.waitFor({ timeout: 45_000 });
    expect(await card.locator("pre.agent-text").first().textContent()).to.equal(PLAN);
    expect(await card.getByRole("button", { name: "Approve", exact: true }).count()).to.equal(1);
    expect(await card.getByRole("button", { name: "Approve and accept edits", exact: true }).count()).to.equal(1);
    await card.getByLabel("Feedback for the agent").fill("add a test for empty input first");
    await card.getByRole("button", { name: "Reject", exact: true }).click();
    await card.waitFor({ state: "detached" });
    await waitForWork(id, "completed");
    const result = toolResultAfter("please plan the fix")!;
    expect(result.isError).to.equal(true);
    expect(result.content).to.include("add a test for empty input first");
    await expectNothingRan(dash);
  });

  it("adds a deny rule in the project's policy; the event it answers shows the rule that answered it", async () => {
    const projectId = await register(trusted[3]);
    const dash = await dashboard(`/projects/${projectId}`);
    await dash.page.getByText("No rules: every permission request asks you.").waitFor();
    await dash.page.getByRole("combobox", { name: "Rule action" }).selectOption({ label: "deny" });
    await dash.page.getByLabel(/^New rule/).fill("Bash(npm test:*)");
    await dash.page.getByRole("button", { name: "Add rule" }).click();
    await dash.page.getByRole("list", { name: "Policy rules" }).getByText("Bash(npm test:*)").waitFor();

    const id = await addWork(projectId, "please run the npm tests");
    await waitForWork(id, "completed");
    const [event] = (await rest(daemon.url, "GET", `/api/events?project_id=${projectId}&type=approval`)).body.events as any[];
    expect(event).to.include({ status: "resolved", resolved_by: "policy:Bash(npm test:*)" });
    await dash.page.goto(`${daemon.url}/events/${event.id}`);
    await dash.page.getByText("by the project's policy rule Bash(npm test:*)").waitFor();
    expect(dash.incidents).to.deep.equal([]);
  });
});
