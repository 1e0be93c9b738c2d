import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { attachAgentPane, type AgentPane } from "../../../src/agents/attach-agent-pane.js";
import { buildClaudeLaunch } from "../../../src/agents/claude/claude-launch.js";
import { claudeStartupDialogKeys } from "../../../src/agents/claude/startup-dialogs.js";
import { sendAgentInput } from "../../../src/agents/runtimes/agent-runtime.js";
import { createClaudeCodeRuntime } from "../../../src/agents/runtimes/claude-code.js";
import type { ScreenPrompt } from "../../../src/agents/screen/screen-prompt.js";
import type { PaneExit } from "../../../src/agents/tmux/pane-watcher.js";
import { CLAUDE_BINARY, prepareClaudeHome, type ClaudeHome } from "../../support/claude-home.js";
import { startHookReceiver, type HookReceiver, type ReceivedHook } from "../../support/hook-receiver.js";
import { nextEvent } from "../../support/next-event.js";
import { startScriptedModelServer, type ModelTurn, type ScriptedModelServer } from "../../support/scripted-model-server.js";
import { createTmuxSandbox, type TmuxSandbox } from "../../support/tmux-sandbox.js";
import { untilState } from "../../support/until-state.js";
import { waitFor } from "../../support/wait-for.js";

const SECRET = "hook-secret-for-tests";
const runtime = createClaudeCodeRuntime();
const exists = (path: string) => stat(path).then(() => true, () => false);
const allow = { hookSpecificOutput: { hookEventName: "PermissionRequest", decision: { behavior: "allow" } } };
const deny = { hookSpecificOutput: { hookEventName: "PermissionRequest", decision: { behavior: "deny", message: "denied by the test" } } };

/** A turn that asks for `touch done.txt` through the Bash tool, then reports what happened. */
function bashScript(turn: ModelTurn) {
  const [result] = turn.toolResults;
  if (result) return { text: result.isError ? `Could not: ${result.content}` : "Created done.txt." };
  if (turn.prompt.includes("make-file")) return { toolUse: { name: "Bash", input: { command: "touch done.txt", description: "Create done.txt" } } };
  return undefined;
}

describe("Claude Code in tmux, against a scripted model server (real CLI)", function () {
  this.timeout(30_000);
  let sandbox: TmuxSandbox;
  let model: ScriptedModelServer;
  let receiver: HookReceiver;
  let home: ClaudeHome;
  let project: string;
  const panes: AgentPane[] = [];

  before(async () => {
    model = await startScriptedModelServer();
    receiver = await startHookReceiver();
  });
  after(async () => {
    await receiver.close();
    await model.close();
  });
  beforeEach(async () => {
    sandbox = await createTmuxSandbox();
    project = join(sandbox.dir, "project");
    await mkdir(project);
    home = await prepareClaudeHome({ baseUrl: model.url, trustedDirs: [project] });
    model.setScript(() => undefined);
  });
  afterEach(async () => {
    for (const pane of panes.splice(0)) pane.detach();
    await sandbox.cleanup();
    await home.cleanup();
  });

  async function launch(options: { cwd?: string; claudeHome?: ClaudeHome; resumeSessionId?: string } = {}) {
    const sessionId = options.resumeSessionId ?? randomUUID();
    const claudeHome = options.claudeHome ?? home;
    const launched = await buildClaudeLaunch({
      sessionId,
      hookUrl: `${receiver.url}/api/hooks/${sessionId}`,
      hookSecret: SECRET,
      settingsDir: join(sandbox.dir, "settings"),
      binary: CLAUDE_BINARY,
      resume: options.resumeSessionId !== undefined,
    });
    const { paneId } = await sandbox.driver.openWindow({
      name: "claude",
      cwd: options.cwd ?? project,
      command: launched.command,
      env: { ...claudeHome.env, ...launched.env },
    });
    const pane = await attachAgentPane({ ...sandbox, runtime, paneId });
    panes.push(pane);
    const hook = (event: string, predicate: (hook: ReceivedHook) => boolean = () => true) =>
      receiver.next(event, (received) => received.payload.session_id === sessionId && predicate(received), 20_000);
    return { pane, sessionId, paneId, hook };
  }

  it("shows the folder-trust and API-key dialogs, recognised on screen and answered by keystrokes", async () => {
    const untrusted = join(sandbox.dir, "untrusted");
    await mkdir(untrusted);
    const freshHome = await prepareClaudeHome({ baseUrl: model.url, approveApiKey: false });
    try {
      const prompts: ScreenPrompt[] = [];
      let resolveDialogs!: () => void;
      const dialogsDone = new Promise<void>((resolve) => (resolveDialogs = resolve));
      const { pane, hook } = await launch({ cwd: untrusted, claudeHome: freshHome });
      const answer = async (prompt: ScreenPrompt) => {
        prompts.push(prompt);
        await pane.pressKeys(claudeStartupDialogKeys(prompt, true));
        if (prompt.dialog === "custom-api-key") resolveDialogs();
      };
      pane.on("prompt", (prompt) => void answer(prompt));
      await dialogsDone;
      await untilState(pane, "ready", 15_000);
      expect(prompts.map((prompt) => [prompt.dialog, prompt.options.map((option) => option.label)])).to.deep.equal([
        ["folder-trust", ["No, exit", "Yes, I trust this folder"]],
        ["custom-api-key", ["Yes", "No (recommended)"]],
      ]);
      const config = await freshHome.readConfig();
      expect(config).to.have.nested.property(`projects.${untrusted.replace(/\./g, "\\.")}.hasTrustDialogAccepted`, true);
      expect(config).to.have.nested.property("customApiKeyResponses.approved[0]", freshHome.apiKey.slice(-20));
      // SessionStart only takes command hooks; it comes through the forwarder.
      const started = await hook("SessionStart");
      expect(started.payload).to.include({ source: "startup", hook_event_name: "SessionStart" });
      expect(started.authorization).to.equal(`Bearer ${SECRET}`);
    } finally {
      await freshHome.cleanup();
    }
  });

  it("fires UserPromptSubmit, then Stop with the turn's last assistant message", async () => {
    model.setScript((turn) => (turn.prompt.includes("say hello") ? { text: "Hello from the scripted model." } : undefined));
    const { pane, sessionId, hook } = await launch();
    await untilState(pane, "ready", 15_000);
    await pane.submit("say hello");
    const submitted = await hook("UserPromptSubmit");
    const stopped = await hook("Stop");
    expect(submitted.payload).to.include({ session_id: sessionId, prompt: "say hello", cwd: project, permission_mode: "default" });
    expect(submitted.authorization).to.equal(`Bearer ${SECRET}`);
    expect(submitted.path).to.equal(`/api/hooks/${sessionId}`);
    expect(stopped.payload).to.include({ last_assistant_message: "Hello from the scripted model.", stop_hook_active: false });
    expect(receiver.hooks.indexOf(submitted)).to.be.below(receiver.hooks.indexOf(stopped));
    await untilState(pane, "ready");
    expect(pane.screen()).to.contain("Hello from the scripted model.");
  });

  it("fires PermissionRequest for a Bash tool use; an allow decision makes the command run", async () => {
    model.setScript(bashScript);
    receiver.respond("PermissionRequest", () => allow);
    const { pane, hook } = await launch();
    await untilState(pane, "ready", 15_000);
    await pane.submit("please make-file");
    const request = await hook("PermissionRequest");
    expect(request.payload).to.deep.include({ tool_name: "Bash", tool_input: { command: "touch done.txt", description: "Create done.txt" } });
    await waitFor(() => exists(join(project, "done.txt")), { what: "done.txt", timeoutMs: 15_000 });
    const stopped = await hook("Stop");
    expect(stopped.payload.last_assistant_message).to.equal("Created done.txt.");
    expect(model.turns().some((turn) => turn.toolResults.length === 1 && !turn.toolResults[0]!.isError)).to.equal(true);
  });

  it("keeps the command from running when the PermissionRequest answer is deny", async () => {
    model.setScript(bashScript);
    receiver.respond("PermissionRequest", () => deny);
    const { pane, hook } = await launch();
    await untilState(pane, "ready", 15_000);
    await pane.submit("please make-file");
    await hook("PermissionRequest");
    const stopped = await hook("Stop");
    // The decision's message reaches the model as the tool's error result.
    expect(model.turns().at(-1)?.toolResults[0]).to.include({ isError: true, content: "denied by the test" });
    expect(stopped.payload.last_assistant_message).to.equal("Could not: denied by the test");
    expect(await exists(join(project, "done.txt"))).to.equal(false);
  });

  it("shows its own permission dialog when the hook gives no decision; answered by keys, the command runs", async () => {
    model.setScript(bashScript);
    receiver.respond("PermissionRequest", () => ({}));
    const { pane, hook } = await launch();
    await untilState(pane, "ready", 15_000);
    const asked = nextEvent<[ScreenPrompt]>(pane, "prompt", (prompt) => prompt.question === "Do you want to proceed?", { timeoutMs: 15_000 });
    await pane.submit("please make-file");
    await hook("PermissionRequest");
    const [prompt] = await asked;
    expect(prompt.options[0]).to.deep.equal({ label: "Yes", keys: ["1"], isDefault: true });
    expect(prompt.options.at(-1)?.label).to.equal("No");
    await pane.answer(prompt, 0);
    await waitFor(() => exists(join(project, "done.txt")), { what: "done.txt", timeoutMs: 15_000 });
    await hook("Stop");
  });

  it("fires StopFailure when the model server fails the turn", async () => {
    model.setScript((turn) =>
      turn.prompt.includes("fail-500") ? { error: { status: 500 } } : turn.prompt.includes("fail-401") ? { error: { status: 401, message: "invalid x-api-key" } } : undefined,
    );
    const { pane, hook } = await launch();
    await untilState(pane, "ready", 15_000);
    const screenError = nextEvent<[string]>(pane, "screen-error", (line) => line.includes("API Error: 500"), { timeoutMs: 15_000 });
    await pane.submit("please fail-500");
    const failed = await hook("StopFailure");
    expect(failed.payload).to.include({ error: "server_error" });
    expect(String(failed.payload.last_assistant_message)).to.match(/^API Error: 500 scripted failure/);
    await screenError;
    await untilState(pane, "ready");
    await pane.submit("now fail-401");
    const unauthorised = await hook("StopFailure", (received) => received.payload.error !== "server_error");
    expect(unauthorised.payload).to.include({ error: "authentication_failed" });
    expect(receiver.hooks.filter((received) => received.event === "Stop" && received.payload.session_id === failed.payload.session_id)).to.deep.equal([]);
  });

  it("fires SessionEnd when asked to exit, notices the exit, and resumes the conversation with --resume", async () => {
    model.setScript((turn) => ({ text: `echo: ${turn.prompt}` }));
    const first = await launch();
    await untilState(first.pane, "ready", 15_000);
    await first.pane.submit("first turn");
    await first.hook("Stop");
    const exited = nextEvent<[PaneExit]>(first.pane, "exited", () => true, { timeoutMs: 15_000 });
    await sendAgentInput(sandbox.driver, first.paneId, runtime.exitInputs);
    const ended = await first.hook("SessionEnd");
    expect(ended.payload).to.include({ reason: "prompt_input_exit" });
    expect((await exited)[0]).to.include({ inspectable: true, exitStatus: 0 });

    const second = await launch({ resumeSessionId: first.sessionId });
    const resumed = await second.hook("SessionStart", (hook) => hook.payload.source === "resume");
    expect(resumed.payload.session_id).to.equal(first.sessionId);
    await untilState(second.pane, "ready", 15_000);
    expect(second.pane.screen()).to.contain("echo: first turn");
    await second.pane.submit("second turn");
    await second.hook("Stop", (hook) => hook.payload.last_assistant_message === "echo: second turn");
  });
});
