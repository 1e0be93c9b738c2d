import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { Browser } from "playwright-core";
import { startE2eDaemon, type E2eDaemon } from "../e2e/support/e2e-daemon.js";
import { rest } from "../support/rest-client.js";
import { launchBrowser, openDashboard } from "./support/dashboard-browser.js";

// Daemons in other states: one with a token (the page asks for it once, keeps it for the tab, and sends
// it as a header), one whose health is degraded (the banner, and acknowledging from it).

const TOKEN = "browser-test-token-0123456789abcdef";

describe("dashboard with a token, and with degraded health (real daemons, browser)", function () {
  this.timeout(60_000);
  let daemon: E2eDaemon;
  let browser: Browser;

  before(async () => {
    [daemon, browser] = await Promise.all([startE2eDaemon({ env: { COMMANDER_TOKEN: TOKEN } }), launchBrowser()]);
  });

  after(async () => {
    await browser?.close();
    await daemon?.dispose();
  });

  it("asks for the token once, refuses a wrong one, and sends it only as an Authorization header", async () => {
    const path = await daemon.newProjectDir("tokened");
    const registered = await rest(daemon.url, "POST", "/api/projects", { path, name: "behind a token" }, { authorization: `Bearer ${TOKEN}` });
    expect(registered.status, registered.text).to.equal(201);
    const dash = await openDashboard(browser, daemon.url, "/fleet");
    try {
      const page = dash.page;
      await page.getByLabel("API token").fill("not-the-token");
      await page.getByRole("button", { name: "Open the dashboard" }).click();
      await page.getByText("That token was refused.").waitFor();
      await page.getByLabel("API token").fill(TOKEN);
      await page.getByRole("button", { name: "Open the dashboard" }).click();
      await page.getByRole("heading", { name: "behind a token" }).waitFor();

      // A reload in the same tab does not ask again.
      await page.reload();
      await page.getByRole("heading", { name: "behind a token" }).waitFor();
      expect(await page.getByLabel("API token").count()).to.equal(0);

      const calls = dash.requests.filter((request) => new URL(request.url).pathname.startsWith("/commander.v1."));
      expect(calls.length).to.be.greaterThan(0);
      const afterToken = calls.slice(calls.findIndex((call) => call.authorization === `Bearer ${TOKEN}`));
      expect(afterToken.every((call) => call.authorization === `Bearer ${TOKEN}`), JSON.stringify(afterToken)).to.equal(true);
      expect(dash.requests.some((request) => request.url.includes(TOKEN))).to.equal(false);
      expect(await dash.context.cookies()).to.deep.equal([]);
    } finally {
      await dash.close();
    }
  });

  it("shows the daemon's health problems on every page and acknowledges them", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "commander-web-health-"));
    // A damaged snapshot without a backup: the daemon starts empty and reports STATE_FILE_LOST.
    await writeFile(join(stateDir, "projects.json"), "not json");
    const degraded = await startE2eDaemon({ stateDir });
    const dash = await openDashboard(browser, degraded.url, "/fleet");
    try {
      const banner = dash.page.getByRole("alert", { name: "Daemon health" });
      await banner.getByText("STATE_FILE_LOST").waitFor();
      await dash.page.getByRole("link", { name: /Needs you/ }).click();
      await banner.getByText("STATE_FILE_LOST").waitFor();
      await banner.getByRole("button", { name: "Acknowledge" }).click();
      await banner.waitFor({ state: "detached" });
      expect((await rest(degraded.url, "GET", "/api/health")).body).to.deep.include({ status: "ok", problems: [] });
      expect(dash.incidents).to.deep.equal([]);
    } finally {
      await dash.close();
      await degraded.dispose();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
