import { expect } from "chai";
import type { Browser } from "playwright-core";
import { startE2eDaemon, type E2eDaemon } from "../e2e/support/e2e-daemon.js";
import { rest } from "../support/rest-client.js";
import { launchBrowser, openDashboard } from "./support/dashboard-browser.js";

// A daemon with a token: the page asks for it once, keeps it for the tab, and sends it as a header.

const TOKEN = "browser-test-token-0123456789abcdef";

describe("dashboard with a token (real daemon, browser)", function () {
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
});
