import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRuntimeCatalogue, UnknownRuntimeError } from "../../../src/agents/runtimes/runtime-catalogue.js";
import { readScreen } from "../../../src/agents/screen/screen-detector.js";

describe("runtime catalogue", () => {
  it("knows the five runtimes, with default commands and whether they report through hooks", () => {
    const catalogue = createRuntimeCatalogue();
    expect(catalogue.list().map((runtime) => [runtime.name, runtime.command, runtime.reportsThroughHooks])).to.deep.equal([
      ["claude-code", ["claude"], true],
      ["codex", ["codex"], false],
      ["gemini", ["gemini"], false],
      ["aider", ["aider"], false],
      ["shell", ["sh"], false],
    ]);
    expect(() => catalogue.get("cursor")).to.throw(UnknownRuntimeError, 'unknown runtime "cursor"');
  });

  it("takes commands and shell patterns from the daemon's config", () => {
    const catalogue = createRuntimeCatalogue({
      codex: { command: ["/opt/codex/bin/codex", "--full-auto"] },
      shell: { command: ["python3", "-i"], readyPattern: ">>> $", busyPattern: "thinking", questionPattern: "^Pick" },
    });
    expect(catalogue.get("codex").command).to.deep.equal(["/opt/codex/bin/codex", "--full-auto"]);
    const shell = catalogue.get("shell");
    expect(shell.command).to.deep.equal(["python3", "-i"]);
    expect(readScreen(">>> 1+1\n2\n>>> \n", shell.screen).state).to.equal("ready");
    expect(readScreen("thinking\n", shell.screen).state).to.equal("busy");
    expect(readScreen("Pick one\n1. a\n2. b\n", shell.screen).prompt?.question).to.equal("Pick one");
    expect(readScreen("Which one?\n1. a\n2. b\n", shell.screen).prompt).to.equal(undefined);
  });

  it("submits a prompt as pasted text then Enter, and answers with the option's keys", () => {
    const shell = createRuntimeCatalogue().get("shell");
    expect(shell.submitPrompt("line one\nline two")).to.deep.equal([{ text: "line one\nline two" }, { keys: ["Enter"] }]);
    const prompt = readScreen("Proceed? (y/n)\n", shell.screen).prompt!;
    expect(shell.answer(prompt, 1)).to.deep.equal([{ keys: ["n", "Enter"] }]);
    expect(() => shell.answer(prompt, 5)).to.throw(RangeError);
  });

  it("launches Claude Code with its configured binary, permission mode and a hooks settings file", async () => {
    const settingsDir = await mkdtemp(join(tmpdir(), "commander-runtime-"));
    try {
      const claude = createRuntimeCatalogue({ "claude-code": { command: ["/opt/claude", "--verbose"], permissionMode: "acceptEdits" } }).get("claude-code");
      const agentSessionId = randomUUID();
      const launch = await claude.prepareLaunch({ agentSessionId, hookUrl: "http://127.0.0.1:9/api/hooks/s1", hookSecret: "x", settingsDir });
      expect(launch.command.slice(0, 3)).to.deep.equal(["/opt/claude", "--session-id", agentSessionId]);
      expect(launch.command.slice(-3)).to.deep.equal(["--permission-mode", "acceptEdits", "--verbose"]);
      expect(launch.env).to.have.property("COMMANDER_HOOK_SECRET", "x");
    } finally {
      await rm(settingsDir, { recursive: true, force: true });
    }
  });

  it("gives Claude Code's permission hook the project's timeout when it has one, else the daemon's", async () => {
    const settingsDir = await mkdtemp(join(tmpdir(), "commander-runtime-"));
    try {
      const claude = createRuntimeCatalogue({ "claude-code": { permissionTimeoutSeconds: 100 } }).get("claude-code");
      const permissionTimeout = async (context: { permissionTimeoutSeconds?: number }) => {
        const launch = await claude.prepareLaunch({ agentSessionId: randomUUID(), hookUrl: "http://127.0.0.1:9/api/hooks/s1", hookSecret: "x", settingsDir, ...context });
        const settings = JSON.parse(await readFile(launch.command[launch.command.indexOf("--settings") + 1] as string, "utf8"));
        return settings.hooks.PermissionRequest[0].hooks[0].timeout as number;
      };
      expect(await permissionTimeout({})).to.equal(100);
      expect(await permissionTimeout({ permissionTimeoutSeconds: 42 })).to.equal(42);
    } finally {
      await rm(settingsDir, { recursive: true, force: true });
    }
  });
});
