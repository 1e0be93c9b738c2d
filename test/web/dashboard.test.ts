import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import type { Browser } from "playwright-core";
import { addWork, registerPausedProject, registerProject, startE2eDaemon, type E2eDaemon } from "../e2e/support/e2e-daemon.js";
import { COMMANDER_BIN, REPO_ROOT } from "../support/daemon-process.js";
import { rest } from "../support/rest-client.js";
import { waitFor } from "../support/wait-for.js";
import { launchBrowser, openDashboard, type DashboardPage } from "./support/dashboard-browser.js";

// The dashboard in headless Chromium against the real daemon, whose `shell` agents are
// test/web/support/hostile-agent.mjs in a private tmux server: it answers work, asks questions, and
// prints markup and terminal escape sequences meant to run in the page.

const HOSTILE_AGENT = join(REPO_ROOT, "test/web/support/hostile-agent.mjs");
const run = promisify(execFile);

describe("dashboard in a browser (real daemon, shell agents)", function () {
  this.timeout(60_000);
  let daemon: E2eDaemon;
  let browser: Browser;
  const open: DashboardPage[] = [];

  before(async function () {
    [daemon, browser] = await Promise.all([
      startE2eDaemon({
        env: {
          COMMANDER_DEFAULT_RUNTIME: "shell",
          COMMANDER_RUNTIMES: JSON.stringify({ shell: { command: [process.execPath, HOSTILE_AGENT] } }),
        },
      }),
      launchBrowser(),
    ]);
  });

  after(async () => {
    await browser?.close();
    await daemon?.dispose();
  });

  afterEach(async () => {
    for (const page of open.splice(0)) await page.close();
  });

  async function dashboard(path: string, options?: Parameters<typeof openDashboard>[3]): Promise<DashboardPage> {
    const page = await openDashboard(browser, daemon.url, path, options);
    open.push(page);
    return page;
  }

  const work = async (id: string) => (await rest(daemon.url, "GET", `/api/work/${id}`)).body;
  const waitForWork = (id: string, state: string) =>
    waitFor(async () => ((await work(id)).state === state ? work(id) : undefined), { timeoutMs: 20_000, what: `${id} to be ${state}` });

  it("shows an agent's question in Needs you without a reload, and clicking an option completes the item", async () => {
    const project = await registerProject(daemon, { name: "asks" });
    const dash = await dashboard("/");
    await dash.page.getByText("Nothing is waiting for you.").waitFor();
    await dash.page.evaluate(() => ((window as any).__sameDocument = true));

    const item = await addWork(daemon.url, project.id, { content: "please ask-choice" });
    const card = dash.page.getByRole("article", { name: "Which option do you prefer?" });
    await card.waitFor({ timeout: 20_000 });
    expect(await card.getByRole("link", { name: "asks" }).count()).to.equal(1);
    expect(await dash.page.getByRole("link", { name: /Needs you/ }).textContent()).to.include("1");
    // A second tab shows the same question, and loses it when the first one answers.
    const other = await dashboard("/");
    const otherCard = other.page.getByRole("article", { name: "Which option do you prefer?" });
    await otherCard.waitFor();
    await card.getByRole("button", { name: "Blue", exact: true }).click();
    await otherCard.waitFor({ state: "detached" });

    const done = await waitForWork(item.id, "completed");
    expect(done.result).to.equal("chose: Blue");
    await card.waitFor({ state: "detached" });
    await dash.page.getByText("Nothing is waiting for you.").waitFor();
    expect(await dash.page.evaluate(() => (window as any).__sameDocument)).to.equal(true);
    expect(dash.incidents).to.deep.equal([]);
  });

  it("shows work added through the CLI in the project's queue as it is added", async () => {
    const project = await registerPausedProject(daemon, { name: "queue" });
    const dash = await dashboard(`/projects/${project.id}`);
    await dash.page.getByText("Nothing queued.").waitFor();
    await addWork(daemon.url, project.id, { content: "less urgent", priority: "low" });
    await dash.page.getByText("less urgent").waitFor();
    await run(process.execPath, [COMMANDER_BIN, "--url", daemon.url, "work", "add", project.id, "written in the CLI", "--priority", "high"], { cwd: REPO_ROOT });
    const queue = dash.page.getByRole("list", { name: "Queue in dispatch order" });
    await queue.getByText("written in the CLI").waitFor();
    expect(await queue.locator(".work-content").allTextContents()).to.deep.equal(["written in the CLI", "less urgent"]);
    expect(dash.incidents).to.deep.equal([]);
  });

  it("loads every page of the work listing (1,001 items, more than one page of the API)", async () => {
    // The dashboard lists the work of every project; a project holds at most 1,000 unfinished items.
    const busy = await registerPausedProject(daemon, { name: "busy" });
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < 1000) await addWork(daemon.url, busy.id, { content: `urgent ${next++}`, priority: "high" });
      }),
    );
    // Last in dispatch order, so the API lists it on the second page only.
    const quiet = await registerPausedProject(daemon, { name: "quiet" });
    await addWork(daemon.url, quiet.id, { content: "the 1,001st item", priority: "low" });
    const dash = await dashboard(`/projects/${quiet.id}`);
    await dash.page.getByRole("list", { name: "Queue in dispatch order" }).getByText("the 1,001st item").waitFor({ timeout: 20_000 });
    // The other tests' pages need not render a thousand items.
    expect((await rest(daemon.url, "DELETE", `/api/projects/${busy.id}`)).status).to.equal(204);
  });

  it("adds work with a priority from the page and cancels it", async () => {
    const project = await registerPausedProject(daemon, { name: "adder" });
    const dash = await dashboard(`/projects/${project.id}`);
    await dash.page.getByLabel("New work").fill("queued from the page");
    await dash.page.getByLabel("Priority").selectOption({ label: "critical" });
    await dash.page.getByRole("button", { name: "Add work" }).click();
    const listed = await waitFor(async () => {
      const items = (await rest(daemon.url, "GET", `/api/work?project_id=${project.id}`)).body.work_items as any[];
      return items.find((item) => item.content === "queued from the page");
    });
    expect(listed.priority).to.equal("critical");
    await dash.page.getByRole("button", { name: `Cancel work item ${listed.id}` }).click();
    await waitForWork(listed.id, "cancelled");
    await dash.page.getByRole("list", { name: "Finished work, newest first" }).getByText("queued from the page").waitFor();
  });

  it("shows the agent's terminal output, and the tmux command to attach", async () => {
    const project = await registerProject(daemon, { name: "terminal" });
    const item = await addWork(daemon.url, project.id, { content: "hello terminal" });
    await waitForWork(item.id, "completed");
    const dash = await dashboard(`/projects/${project.id}/terminal`);
    await waitFor(async () => ((await dash.page.locator(".xterm-rows").textContent()) ?? "").includes("done: hello terminal"), {
      what: "the agent's output in the terminal",
    });
    await dash.page.getByRole("button", { name: "Show attach command" }).click();
    expect(await dash.page.locator(".attach-command").textContent()).to.match(/tmux -S .* attach-session -t %\d+/);
    expect(dash.incidents).to.deep.equal([]);
  });

  it("registers a project from the page, which the REST API then lists", async () => {
    const dash = await dashboard("/fleet");
    const path = await daemon.newProjectDir("from-page");
    await dash.page.getByLabel("Directory path").fill(path);
    await dash.page.getByLabel("Name (optional)").fill("registered in the page");
    await dash.page.getByRole("button", { name: "Register", exact: true }).click();
    await dash.page.getByRole("heading", { name: "registered in the page" }).waitFor();
    const projects = (await rest(daemon.url, "GET", "/api/projects")).body.projects as any[];
    expect(projects.find((project) => project.name === "registered in the page")?.path).to.equal(path);
  });

  it("starts and stops the agent, pauses and resumes, and unregisters a project from the fleet", async () => {
    const project = await registerPausedProject(daemon, { name: "controlled" });
    const dash = await dashboard("/fleet");
    const card = dash.page.getByRole("article", { name: "controlled" });
    await card.getByRole("button", { name: "Resume controlled" }).click();
    await card.getByRole("button", { name: "Pause controlled" }).waitFor();
    expect((await rest(daemon.url, "GET", `/api/projects/${project.id}`)).body.state).to.not.equal("paused");
    await card.getByRole("button", { name: "Start agent of controlled" }).click();
    await card.getByRole("button", { name: "Stop agent of controlled" }).waitFor({ timeout: 20_000 });
    expect((await rest(daemon.url, "GET", `/api/sessions/${project.id}`)).body.state).to.be.oneOf(["starting", "idle"]);
    await card.getByRole("button", { name: "Stop agent of controlled" }).click();
    await card.getByRole("button", { name: "Start agent of controlled" }).waitFor({ timeout: 20_000 });
    await card.getByRole("button", { name: "Pause controlled" }).click();
    await card.getByRole("button", { name: "Resume controlled" }).waitFor();
    expect((await rest(daemon.url, "GET", `/api/projects/${project.id}`)).body.state).to.equal("paused");
    await card.getByRole("button", { name: "Unregister controlled" }).click();
    await card.getByRole("button", { name: "Really unregister controlled" }).click();
    await card.waitFor({ state: "detached" });
    expect((await rest(daemon.url, "GET", `/api/projects/${project.id}`)).status).to.equal(404);
    expect(dash.incidents).to.deep.equal([]);
  });

  it("lists, adds and removes the project's policy rules, and changes its permission mode and model", async () => {
    const project = await registerPausedProject(daemon, { name: "governed" });
    const rulesPath = `/api/projects/${project.id}/policy/rules`;
    expect((await rest(daemon.url, "POST", rulesPath, { rule: "Read(src/**)", action: "allow" })).status).to.equal(201);
    const dash = await dashboard(`/projects/${project.id}`);
    const list = dash.page.getByRole("list", { name: "Policy rules" });
    await list.getByText("Read(src/**)").waitFor();
    await dash.page.getByLabel(/^New rule/).fill("Bash(npm test:*)");
    await dash.page.getByRole("button", { name: "Add rule" }).click();
    await list.getByText("Bash(npm test:*)").waitFor();
    await dash.page.getByRole("combobox", { name: "Rule action" }).selectOption({ label: "deny" });
    await dash.page.getByLabel(/^New rule/).fill("Bash(rm -rf /)x(");
    await dash.page.getByRole("button", { name: "Add rule" }).click();
    expect(await dash.page.getByRole("alert").textContent()).to.include("rule");
    await dash.page.getByLabel(/^New rule/).fill("WebFetch");
    await dash.page.getByRole("button", { name: "Add rule" }).click();
    await list.getByText("WebFetch").waitFor();
    expect((await rest(daemon.url, "GET", rulesPath)).body.rules.map((rule: any) => [rule.rule, rule.action])).to.deep.equal([
      ["Read(src/**)", "allow"],
      ["Bash(npm test:*)", "allow"],
      ["WebFetch", "deny"],
    ]);
    await dash.page.getByRole("button", { name: "Remove allow rule Read(src/**)" }).click();
    await list.getByText("Read(src/**)").waitFor({ state: "detached" });
    expect((await rest(daemon.url, "GET", rulesPath)).body.rules.map((rule: any) => rule.rule)).to.deep.equal(["Bash(npm test:*)", "WebFetch"]);

    expect(await dash.page.getByLabel("Permission mode").inputValue()).to.equal(project.permission_mode ?? "");
    await dash.page.getByLabel("Permission mode").selectOption("plan");
    await dash.page.getByLabel(/^Model/).fill("claude-commander-test");
    await dash.page.getByRole("button", { name: "Save settings" }).click();
    await dash.page.getByRole("status").getByText("Saved.").waitFor();
    const saved = (await rest(daemon.url, "GET", `/api/projects/${project.id}`)).body;
    expect(saved).to.include({ permission_mode: "plan", model: "claude-commander-test" });
    // Another change elsewhere shows here live.
    await rest(daemon.url, "PATCH", `/api/projects/${project.id}`, { model: "another-model" });
    await waitFor(async () => (await dash.page.getByLabel(/^Model/).inputValue()) === "another-model", { what: "the model changed elsewhere" });
    expect(await dash.page.getByLabel("Permission mode").inputValue()).to.equal("plan");
    // The one refused rule is the only failed request.
    expect(dash.incidents).to.deep.equal(["console error: Failed to load resource: the server responded with a status of 400 (Bad Request)"]);
  });

  it("opens deep links to a project, an event and a work item on a fresh load", async () => {
    const project = await registerPausedProject(daemon, { name: "linked" });
    const item = await addWork(daemon.url, project.id, { content: "deep-linked item" });
    const dash = await dashboard(`/work/${item.id}`);
    await dash.page.getByText("deep-linked item").waitFor();
    await dash.page.goto(`${daemon.url}/projects/${project.id}`);
    await dash.page.getByRole("heading", { level: 1, name: "linked" }).waitFor();
    const events = (await rest(daemon.url, "GET", `/api/events?project_id=${project.id}`)).body.events as any[];
    if (events.length > 0) {
      await dash.page.goto(`${daemon.url}/events/${events[0].id}`);
      await dash.page.getByRole("heading", { level: 2, name: events[0].title }).waitFor();
    }
    expect(dash.incidents).to.deep.equal([]);
  });

  it("shows hostile agent text literally and never runs it (markup, javascript: links, escape sequences)", async () => {
    const hostileName = `<img src=x onerror="window.__pwned='name'">`;
    const project = await registerProject(daemon, { name: hostileName });
    const item = await addWork(daemon.url, project.id, { content: `<img src=x onerror="window.__pwned='work'"> javascript:window.__pwned='link'` });
    await waitForWork(item.id, "completed");
    await rest(daemon.url, "POST", "/api/inbox", { project_id: project.id, content: `<script>window.__pwned='inbox'</script>` });
    const asked = await addWork(daemon.url, project.id, { content: "ask-hostile" });

    const dash = await dashboard("/");
    const card = dash.page.locator("article.event", { hasText: "Keep <img" });
    await card.waitFor({ timeout: 20_000 });
    expect(await card.locator(".event-title").textContent()).to.equal(`Keep <img src=x onerror="window.__pwned='question'"> or not?`);
    await card.getByRole("button", { name: "<b>Bold</b>", exact: true }).waitFor();
    await card.getByRole("button", { name: "javascript:window.__pwned='option'", exact: true }).click();
    expect((await waitForWork(asked.id, "completed")).result).to.equal("chose: javascript:window.__pwned='option'");

    await dash.page.getByRole("link", { name: "Fleet" }).click();
    await dash.page.getByRole("heading", { name: hostileName }).waitFor();
    await dash.page.goto(`${daemon.url}/projects/${project.id}`);
    await dash.page.getByText(`done: <img src=x onerror="window.__pwned='work'"> javascript:window.__pwned='link'`).waitFor();
    await dash.page.getByText(`<script>window.__pwned='inbox'</script>`).waitFor();
    // The escape sequences as live output (the snapshot a terminal starts from is the screen's text only).
    await dash.page.goto(`${daemon.url}/projects/${project.id}/terminal`);
    await dash.page.getByText("Live", { exact: true }).waitFor();
    const printed = await addWork(daemon.url, project.id, { content: "print-escapes" });
    await waitForWork(printed.id, "completed");
    await waitFor(async () => ((await dash.page.locator(".xterm-rows").textContent()) ?? "").includes("live banner"), { what: "the live banner in the terminal" });
    // Click the OSC 8 link's text: a read-only terminal opens nothing.
    const row = (await dash.page.locator(".xterm-rows > div", { hasText: "live banner" }).boundingBox())!;
    await dash.page.mouse.move(row.x + 30, row.y + row.height / 2);
    await dash.page.mouse.click(row.x + 30, row.y + row.height / 2);

    // Nothing ran, nothing became markup or a link, the title and the clipboard were left alone.
    const page = dash.page;
    expect(await page.evaluate(() => (window as any).__pwned)).to.equal(undefined);
    expect(await page.locator("#app img, #app script, #app b").count()).to.equal(0);
    expect(await page.locator('a[href^="javascript:" i]').count()).to.equal(0);
    expect(await page.title()).to.equal("Commander");
    expect(dash.context.pages()).to.have.length(1);
    expect(dash.incidents).to.deep.equal([]);
  });

  it("is usable on a phone (390×844): one column, nothing wider than the screen, large touch targets", async () => {
    const project = await registerProject(daemon, { name: "phone" });
    await addWork(daemon.url, project.id, { content: "ask-choice on the phone" });
    const dash = await dashboard("/", { viewport: { width: 390, height: 844 }, isMobile: true });
    const card = dash.page.getByRole("article", { name: "Which option do you prefer?" }).filter({ has: dash.page.getByRole("link", { name: "phone" }) });
    await card.waitFor({ timeout: 20_000 });
    const red = card.getByRole("button", { name: "Red", exact: true });
    const box = (await red.boundingBox())!;
    expect(box.height).to.be.at.least(44);
    const layout = await dash.page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      cards: [...document.querySelectorAll(".cards > li")].map((li) => li.getBoundingClientRect().width),
    }));
    expect(layout.scrollWidth).to.be.at.most(390);
    for (const width of layout.cards) expect(width).to.be.within(300, 390);
    await red.click();
    await card.waitFor({ state: "detached" });

    await dash.page.goto(`${daemon.url}/fleet`);
    await dash.page.getByRole("heading", { name: "phone" }).waitFor();
    expect(await dash.page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(390);
    expect(dash.incidents).to.deep.equal([]);
  });

  it("can be used with the keyboard alone", async () => {
    const project = await registerProject(daemon, { name: "keyboard" });
    await addWork(daemon.url, project.id, { content: "ask-choice by keyboard" });
    const dash = await dashboard("/");
    const card = dash.page.getByRole("article", { name: "Which option do you prefer?" }).filter({ has: dash.page.getByRole("link", { name: "keyboard" }) });
    await card.waitFor({ timeout: 20_000 });
    const focused = () => dash.page.evaluate(() => document.activeElement?.textContent ?? "");
    let reached = false;
    for (let step = 0; step < 40 && !reached; step++) {
      await dash.page.keyboard.press("Tab");
      reached = (await focused()) === "Red" && (await card.getByRole("button", { name: "Red", exact: true }).evaluate((el) => el === document.activeElement));
    }
    expect(reached, "Tab reaches the first option").to.equal(true);
    await dash.page.keyboard.press("Enter");
    await card.waitFor({ state: "detached" });
  });
});
