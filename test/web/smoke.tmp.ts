import { startE2eDaemon, registerProject, addWork } from "../e2e/support/e2e-daemon.js";
import { launchBrowser, openDashboard } from "./support/dashboard-browser.js";
import { buildDashboard } from "../../scripts/build-web.js";
import { REPO_ROOT } from "../support/daemon-process.js";
import { join } from "node:path";
await buildDashboard();
const d = await startE2eDaemon({ env: { COMMANDER_DEFAULT_RUNTIME: "shell", COMMANDER_RUNTIMES: JSON.stringify({ shell: { command: [process.execPath, join(REPO_ROOT, "test/web/support/hostile-agent.mjs")] } }) } });
const b = await launchBrowser();
try {
  const p = await registerProject(d, { name: "demo" });
  await addWork(d.url, p.id, { content: "ask-choice" });
  const dash = await openDashboard(b, d.url, `/`, { viewport: { width: 390, height: 844 }, isMobile: true });
  await dash.page.getByRole("button", { name: "Red" }).waitFor({ timeout: 20000 });
  console.log(await dash.page.evaluate(() => [...document.querySelectorAll("*")].filter((e) => e.getBoundingClientRect().right > 390).map((e) => e.tagName + "." + e.className + " " + e.getBoundingClientRect().right).slice(0, 20)));
  await dash.page.screenshot({ path: "/tmp/needs-phone.png", fullPage: true });
  await dash.page.goto(`${d.url}/projects/${p.id}/terminal`);
  await new Promise((r) => setTimeout(r, 2000));
  await dash.page.screenshot({ path: "/tmp/term.png", fullPage: true });
} finally { await b.close(); await d.dispose(); }
