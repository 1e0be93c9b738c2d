import { expect } from "chai";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildClaudeLaunch, CLAUDE_HOOK_EVENTS, HOOK_SECRET_ENV } from "../../../src/agents/claude/claude-launch.js";
import { startHookReceiver } from "../../support/hook-receiver.js";

describe("buildClaudeLaunch", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "commander-launch-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes a private per-session settings file with http hooks that carry the secret by env var", async () => {
    const sessionId = randomUUID();
    const settingsDir = join(dir, "settings");
    const launch = await buildClaudeLaunch({ sessionId, hookUrl: "http://127.0.0.1:9/api/hooks/s1", hookSecret: "s3cret", settingsDir, binary: "/opt/claude", extraArgs: ["--model", "opus"] });
    expect(launch.command).to.deep.equal(["/opt/claude", "--session-id", sessionId, "--settings", launch.settingsPath, "--permission-mode", "default", "--model", "opus"]);
    expect(launch.env).to.deep.equal({ [HOOK_SECRET_ENV]: "s3cret" });
    expect((await stat(launch.settingsPath)).mode & 0o777).to.equal(0o600);
    expect((await stat(settingsDir)).mode & 0o777).to.equal(0o700);
    const text = await readFile(launch.settingsPath, "utf8");
    expect(text).to.not.contain("s3cret");
    const settings = JSON.parse(text);
    expect(Object.keys(settings.hooks)).to.have.members([...CLAUDE_HOOK_EVENTS]);
    expect(settings.hooks.PermissionRequest[0].hooks[0]).to.deep.equal({
      type: "http",
      url: "http://127.0.0.1:9/api/hooks/s1",
      timeout: 600,
      headers: { Authorization: `Bearer $${HOOK_SECRET_ENV}` },
      allowedEnvVars: [HOOK_SECRET_ENV],
    });
    // The CLI runs no HTTP hook on SessionStart, so that one forwards through a command.
    expect(settings.hooks.SessionStart[0].hooks[0].type).to.equal("command");
  });

  it("rejects a session id that is not a UUID and an unknown permission mode", async () => {
    const base = { hookUrl: "http://127.0.0.1:9/h", hookSecret: "s", settingsDir: dir };
    let error: unknown;
    await buildClaudeLaunch({ ...base, sessionId: "s1" }).catch((caught) => (error = caught));
    expect(String(error)).to.contain("UUID");
    await buildClaudeLaunch({ ...base, sessionId: randomUUID(), permissionMode: "yolo" as never }).catch((caught) => (error = caught));
    expect(String(error)).to.contain("permission mode");
  });

  it("forwards a command hook's stdin to the hook URL with the secret and prints the answer", async () => {
    const receiver = await startHookReceiver();
    try {
      receiver.respond("SessionStart", () => ({ hookSpecificOutput: { hookEventName: "SessionStart", additionalContext: "hi" } }));
      const launch = await buildClaudeLaunch({ sessionId: randomUUID(), hookUrl: `${receiver.url}/api/hooks/s1`, hookSecret: "s3cret", settingsDir: dir, hookTransport: "command" });
      const command: string = launch.settings.hooks.SessionStart![0]!.hooks[0]!.command!;
      const child = spawn("sh", ["-c", command], { env: { ...process.env, ...launch.env }, stdio: ["pipe", "pipe", "inherit"] });
      let stdout = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
      child.stdin.end(JSON.stringify({ hook_event_name: "SessionStart", session_id: "x", source: "startup" }));
      const code = await new Promise((resolve) => child.on("exit", resolve));
      expect(code).to.equal(0);
      expect(JSON.parse(stdout)).to.deep.equal({ hookSpecificOutput: { hookEventName: "SessionStart", additionalContext: "hi" } });
      expect(receiver.hooks[0]).to.deep.include({ event: "SessionStart", path: "/api/hooks/s1", authorization: "Bearer s3cret" });
    } finally {
      await receiver.close();
    }
  });
});
