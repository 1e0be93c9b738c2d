// `npm run screenshots`: runs a real daemon with `shell` agents (test/support/fake-agent.mjs) and two real
// Claude Code agents talking to the scripted model server (a question, a plan, a command to approve),
// gives it some projects, work and questions, and photographs the dashboard in headless Chromium
// (Debian's /usr/bin/chromium, or CHROMIUM_PATH) into docs/screenshots/. Everything it starts, it stops.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addWork, registerProject, startE2eDaemon } from "../test/e2e/support/e2e-daemon.js";
import { CLAUDE_BINARY, prepareClaudeHome } from "../test/support/claude-home.js";
import { REPO_ROOT } from "../test/support/daemon-process.js";
import { rest } from "../test/support/rest-client.js";
import { startScriptedModelServer, type ModelReply, type ModelTurn } from "../test/support/scripted-model-server.js";
import { waitFor } from "../test/support/wait-for.js";
import { launchBrowser, openDashboard } from "../test/web/support/dashboard-browser.js";

const OUT = join(REPO_ROOT, "docs", "screenshots");
const PLAN = "# Plan: move sessions to the new store\n1. Add a migration that copies the sessions table\n2. Read from both stores behind a flag\n3. Switch over, then drop the old table";

let planWritten = false;
function script(turn: ModelTurn): ModelReply | undefined {
  if (turn.toolResults[0] && planWritten) {
    planWritten = false;
    return { toolUse: { name: "ExitPlanMode", input: {} } };
  }
  if (turn.toolResults[0]) return { text: "Done." };
  if (turn.text.includes("Plan the session store migration")) {
    const planFile = /create your plan at (\S+?\.md)/.exec(JSON.stringify(turn.request.body))?.[1];
    if (!planFile) return { text: "No plan file was offered." };
    planWritten = true;
    return { toolUse: { name: "Write", input: { file_path: planFile, content: PLAN } } };
  }
  if (turn.text.includes("Set up the release")) {
    return {
      toolUse: {
        name: "AskUserQuestion",
        input: {
          questions: [
            {
              question: "Which channel should the release go to?",
              header: "Channel",
              multiSelect: false,
              options: [
                { label: "Beta", description: "Testers first, for a week" },
                { label: "Stable", description: "Everyone, today" },
              ],
            },
            {
              question: "Which platforms should be built?",
              header: "Platforms",
              multiSelect: true,
              options: [
                { label: "Linux", description: "x64 and arm64" },
                { label: "macOS", description: "Universal binary" },
                { label: "Windows", description: "x64 installer" },
              ],
            },
          ],
        },
      },
    };
  }
  if (turn.text.includes("Run the test suite")) return { toolUse: { name: "Bash", input: { command: "npm test", description: "Run the tests" } } };
  return { text: "Hello." };
}

const scratch = await mkdtemp(join(tmpdir(), "commander-screenshots-"));
const claudeDirs = await Promise.all(["release-tools", "session-store", "billing"].map((name) => mkdir(join(scratch, name), { recursive: true }).then(() => join(scratch, name))));
await writeFile(join(claudeDirs[2], "package.json"), JSON.stringify({ name: "billing", scripts: { test: "echo ok" } }));
const model = await startScriptedModelServer({ script });
const claudeHome = await prepareClaudeHome({ baseUrl: model.url, trustedDirs: claudeDirs });
const daemon = await startE2eDaemon({
  env: {
    ...claudeHome.env,
    COMMANDER_DEFAULT_RUNTIME: "shell",
    COMMANDER_START_TIMEOUT: "60",
    COMMANDER_RUNTIMES: JSON.stringify({
      shell: { command: [process.execPath, join(REPO_ROOT, "test/support/fake-agent.mjs")] },
      "claude-code": { command: [CLAUDE_BINARY] },
    }),
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
  const claudeProject = async (path: string, extra: Record<string, unknown> = {}) =>
    (await rest(daemon.url, "POST", "/api/projects", { path, runtime: "claude-code", ...extra })).body as { id: string };
  const release = await claudeProject(claudeDirs[0]);
  const store = await claudeProject(claudeDirs[1], { permission_mode: "plan" });
  const billing = await claudeProject(claudeDirs[2]);
  await addWork(daemon.url, release.id, { content: "Set up the release" });
  await addWork(daemon.url, store.id, { content: "Plan the session store migration" });
  await addWork(daemon.url, billing.id, { content: "Run the test suite" });
  await rest(daemon.url, "POST", `/api/projects/${billing.id}/policy/rules`, { rule: "Read(src/**)", action: "allow" });
  await rest(daemon.url, "POST", `/api/projects/${billing.id}/policy/rules`, { rule: "Bash(git push:*)", action: "deny" });
  await waitFor(async () => ((await rest(daemon.url, "GET", "/api/events/pending")).body.events as unknown[]).length >= 5, { timeoutMs: 60_000 });

  const shots: Array<{ name: string; path: string; phone?: boolean; dark?: boolean; ready: string }> = [
    { name: "needs-you", path: "/", ready: "Which option do you prefer?" },
    { name: "fleet", path: "/fleet", ready: "docs-site" },
    { name: "project", path: `/projects/${docs.id}`, ready: "Write the upgrade guide" },
    { name: "terminal", path: `/projects/${api.id}/terminal`, ready: "Live" },
    { name: "policy", path: `/projects/${billing.id}`, ready: "Bash(git push:*)" },
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
  await model.close();
  await claudeHome.cleanup();
  await rm(scratch, { recursive: true, force: true });
}
