// `npm run screenshots`: runs a real daemon with `shell` agents (test/support/fake-agent.mjs), gives it
// some projects, work and a question, and photographs the dashboard in headless Chromium (Debian's
// /usr/bin/chromium, or CHROMIUM_PATH) into docs/screenshots/. Everything it starts, it stops.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { addWork, registerProject, startE2eDaemon } from "../test/e2e/support/e2e-daemon.js";
import { REPO_ROOT } from "../test/support/daemon-process.js";
import { rest } from "../test/support/rest-client.js";
import { waitFor } from "../test/support/wait-for.js";
import { launchBrowser, openDashboard } from "../test/web/support/dashboard-browser.js";

const OUT = join(REPO_ROOT, "docs", "screenshots");

const daemon = await startE2eDaemon({
  env: {
    COMMANDER_DEFAULT_RUNTIME: "shell",
    COMMANDER_RUNTIMES: JSON.stringify({ shell: { command: [process.execPath, join(REPO_ROOT, "test/support/fake-agent.mjs")] } }),
  },
});
const browser = await launchBrowser();
try {
  await mkdir(OUT, { recursive: true });
  const api = await registerProject(daemon, { name: "api-server" });
  const web = await registerProject(daemon, { name: "web-client" });
  const docs = await registerProject(daemon, { name: "docs-site" });
  await rest(daemon.url, "POST", `/api/projects/${docs.id}/pause`, { reason: "until the release is out" });
  const done = await addWork(daemon.url, api.id, { content: "Add request ids to every log line", priority: "high" });
  await waitFor(async () => (await rest(daemon.url, "GET", `/api/work/${done.id}`)).body.state === "completed", { timeoutMs: 20_000 });
  await addWork(daemon.url, web.id, { content: "please ask-choice: which colour for the dark theme?" });
  await addWork(daemon.url, api.id, { content: "ask-yn before migrating the database" });
  await addWork(daemon.url, docs.id, { content: "Write the upgrade guide", priority: "medium" });
  await addWork(daemon.url, docs.id, { content: "Fix the broken links on the home page", priority: "critical" });
  await rest(daemon.url, "POST", "/api/inbox", { project_id: docs.id, content: "Keep the guide under two pages." });
  await waitFor(async () => ((await rest(daemon.url, "GET", "/api/events/pending")).body.events as unknown[]).length >= 2, { timeoutMs: 20_000 });

  const shots: Array<{ name: string; path: string; phone?: boolean; dark?: boolean; ready: string }> = [
    { name: "needs-you", path: "/", ready: "Which option do you prefer?" },
    { name: "fleet", path: "/fleet", ready: "docs-site" },
    { name: "project", path: `/projects/${docs.id}`, ready: "Write the upgrade guide" },
    { name: "terminal", path: `/projects/${api.id}/terminal`, ready: "Live" },
    { name: "needs-you-phone", path: "/", phone: true, ready: "Which option do you prefer?" },
    { name: "fleet-dark", path: "/fleet", dark: true, ready: "docs-site" },
  ];
  for (const shot of shots) {
    const dash = await openDashboard(browser, daemon.url, shot.path, {
      viewport: shot.phone ? { width: 390, height: 844 } : { width: 1200, height: 800 },
      isMobile: shot.phone,
      colorScheme: shot.dark ? "dark" : "light",
    });
    await dash.page.getByText(shot.ready, { exact: shot.ready === "Live" }).first().waitFor({ timeout: 20_000 });
    if (shot.name === "terminal") await dash.page.waitForTimeout(300);
    await dash.page.screenshot({ path: join(OUT, `${shot.name}.png`), fullPage: !shot.phone });
    await dash.close();
    process.stdout.write(`docs/screenshots/${shot.name}.png\n`);
  }
} finally {
  await browser.close();
  await daemon.dispose();
}
