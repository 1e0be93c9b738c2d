import { join } from "node:path";
import { expect } from "chai";
import type { Browser } from "playwright-core";
import { startE2eDaemon, type E2eDaemon } from "../e2e/support/e2e-daemon.js";
import { startReceiver, type WebhookReceiver } from "../notify/support/webhook-receiver.js";
import { REPO_ROOT } from "../support/daemon-process.js";
import { rest } from "../support/rest-client.js";
import { waitFor } from "../support/wait-for.js";
import { launchBrowser, openDashboard, type DashboardPage } from "./support/dashboard-browser.js";

// A notification's answer link opened in a browser: the dashboard's confirmation page at /answer/{token}
// says what the link will do, and only its button answers. The daemon has an API token, which the page
// never asks for; the agent's question is hostile markup.

const TOKEN = "answer-page-token-0123456789abcdef";
const AUTH = { authorization: `Bearer ${TOKEN}` };
const HOSTILE_AGENT = join(REPO_ROOT, "test/web/support/hostile-agent.mjs");
const HOSTILE_OPTION = "javascript:window.__pwned='option'";

describe("answer link confirmation page (real daemon, browser)", function () {
  this.timeout(60_000);
  let daemon: E2eDaemon;
  let hook: WebhookReceiver;
  let browser: Browser;
  const open: DashboardPage[] = [];

  before(async () => {
    hook = await startReceiver();
    [daemon, browser] = await Promise.all([
      startE2eDaemon({
        env: {
          COMMANDER_TOKEN: TOKEN,
          COMMANDER_DEFAULT_RUNTIME: "shell",
          COMMANDER_RUNTIMES: JSON.stringify({ shell: { command: [process.execPath, HOSTILE_AGENT] } }),
          COMMANDER_NOTIFICATIONS: JSON.stringify([{ name: "chat", url: hook.url, on: ["needs_input"], answer_links: true }]),
          COMMANDER_NOTIFICATION_OPTIONS: JSON.stringify({ poll_interval: 0.02, coalesce: 0.05 }),
        },
      }),
      launchBrowser(),
    ]);
  });

  after(async () => {
    await browser?.close();
    await daemon?.dispose();
    await hook?.close();
  });

  afterEach(async () => {
    for (const page of open.splice(0)) await page.close();
  });

  async function page(url: string): Promise<DashboardPage> {
    const opened = await openDashboard(browser, url, "");
    open.push(opened);
    return opened;
  }

  it("shows what the link will do, answers only on the click, without the API token, and refuses it afterwards", async () => {
    const path = await daemon.newProjectDir("linked");
    const project = (await rest(daemon.url, "POST", "/api/projects", { path, name: "linked" }, AUTH)).body;
    const work = (await rest(daemon.url, "POST", "/api/work", { project_id: project.id, content: "ask-hostile" }, AUTH)).body;
    const [message] = await waitFor(() => hook.accepted().length > 0 && hook.accepted(), { timeoutMs: 20_000, what: "the needs-input notification" });
    const item = message.json.items[0];
    const links = item.answer_links as Array<{ option: string; url: string; page_url: string }>;
    const chosen = links.find((link) => link.option === HOSTILE_OPTION)!;
    const other = links.find((link) => link.option !== HOSTILE_OPTION)!;
    expect(new URL(chosen.page_url).pathname).to.match(/^\/answer\/[\w-]+\.[\w-]+$/);

    const dash = await page(chosen.page_url);
    const button = dash.page.getByRole("button", { name: `Answer “${HOSTILE_OPTION}”` });
    await button.waitFor();
    expect(await dash.page.locator(".event-title").textContent()).to.equal(`Keep <img src=x onerror="window.__pwned='question'"> or not?`);
    expect(await dash.page.locator(".chosen-option").textContent()).to.equal(HOSTILE_OPTION);
    // Opening the page (as a link preview would) answered nothing.
    const pending = (await rest(daemon.url, "GET", `/api/events/${item.id}`, undefined, AUTH)).body;
    expect(pending.status).to.equal("pending");

    await button.click();
    await dash.page.getByRole("status").getByText("The agent has the answer and carries on.").waitFor();
    const done = await waitFor(
      async () => {
        const current = (await rest(daemon.url, "GET", `/api/work/${work.id}`, undefined, AUTH)).body;
        return current.state === "completed" && current;
      },
      { timeoutMs: 20_000, what: "the work to complete" },
    );
    expect(done.result).to.equal(`chose: ${HOSTILE_OPTION}`);
    const event = (await rest(daemon.url, "GET", `/api/events/${item.id}`, undefined, AUTH)).body;
    expect(event.context).to.deep.include({ resolved_via: "answer_link" });
    // The page never asked for the token and never sent one.
    expect(await dash.page.getByLabel("API token").count()).to.equal(0);
    expect(dash.requests.every((request) => request.authorization === undefined)).to.equal(true);
    expect(await dash.page.evaluate(() => (window as any).__pwned)).to.equal(undefined);
    expect(await dash.page.locator("#app img, #app b").count()).to.equal(0);
    expect(await dash.page.locator('a[href^="javascript:" i]').count()).to.equal(0);
    expect(dash.incidents).to.deep.equal([]);

    // The event is answered: the other option's link, and an altered one, say why they cannot answer.
    const late = await page(other.page_url);
    await late.page.getByRole("alert").getByText(`This link cannot answer: event ${item.id} is already resolved.`).waitFor();
    expect(await late.page.getByRole("button", { name: /^Answer/ }).count()).to.equal(0);
    const altered = await page(chosen.page_url.replace(/.$/, (c) => (c === "A" ? "B" : "A")));
    await altered.page.getByRole("alert").getByText(/signature does not match/).waitFor();
    expect(late.incidents.concat(altered.incidents)).to.deep.equal([]);

    // In the dashboard (with the token), the event says how it was answered.
    const board = await page(`${daemon.url}/events/${item.id}`);
    await board.page.getByLabel("API token").fill(TOKEN);
    await board.page.getByRole("button", { name: "Open the dashboard" }).click();
    await board.page.getByText("through an answer link in a notification").waitFor();
  });
});
