import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { rest } from "../support/rest-client.js";
import { waitFor } from "../support/wait-for.js";
import { startE2eDaemon, type E2eDaemon } from "../e2e/support/e2e-daemon.js";

// What an agent can learn from its own process: its environment is built from an allow-list (never the
// daemon's token), and its hook secret reaches it without ever being on a command line. `tmux` on the
// daemon's PATH is a wrapper that records every tmux command line the daemon runs, however short-lived.

const TOKEN = "api-token-for-agent-environment-tests-7c1f0a";
const ANTHROPIC_KEY = "sk-ant-test-agent-environment-0123456789";

/** Every process's command line, as any local user can read it. */
async function allCommandLines(): Promise<string[]> {
  const lines: string[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline !== "") lines.push(cmdline.replace(/\0/g, " "));
  }
  return lines;
}

const envLines = (text: string) => text.split("\n").map((line) => line.trim());

describe("security: agents' environment and hook secrets", function () {
  this.timeout(60_000);
  let daemon: E2eDaemon;
  let scratch: string;
  let tmuxLog: string;
  let claudeEnvFile: string;
  const auth = { authorization: `Bearer ${TOKEN}` };

  before(async function () {
    scratch = await mkdtemp(join(tmpdir(), "commander-agent-env-"));
    const bin = join(scratch, "bin");
    await mkdir(bin);
    tmuxLog = join(scratch, "tmux-argv.log");
    claudeEnvFile = join(scratch, "claude-env.txt");
    const realTmux = execFileSync("sh", ["-c", "command -v tmux"], { encoding: "utf8" }).trim();
    await writeFile(join(bin, "tmux"), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${tmuxLog}'\nexec '${realTmux}' "$@"\n`, { mode: 0o755 });
    // A stand-in for Claude Code: records the environment it got, then shows Claude Code's input line.
    const fakeClaude = join(scratch, "fake-claude.sh");
    await writeFile(fakeClaude, `#!/bin/sh\nenv > '${claudeEnvFile}.tmp' && mv '${claudeEnvFile}.tmp' '${claudeEnvFile}'\nprintf '\\342\\235\\257 '\nexec cat\n`, {
      mode: 0o755,
    });
    daemon = await startE2eDaemon({
      env: {
        PATH: `${bin}:${process.env.PATH ?? ""}`,
        COMMANDER_TOKEN: TOKEN,
        COMMANDER_AGENT_ENV: "PASSED_THROUGH",
        COMMANDER_RUNTIMES: JSON.stringify({ shell: { command: ["sh"] }, "claude-code": { command: [fakeClaude] } }),
        TZ: "CMD0",
        TERM: "xterm-daemon-terminal",
        PASSED_THROUGH: "passed-by-agent-env",
        NOT_LISTED_SECRET: "not-listed-value-3e8d",
        ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      },
    });
  });

  after(async function () {
    await daemon?.dispose();
    await rm(scratch, { recursive: true, force: true });
  });

  async function register(runtime: string): Promise<string> {
    const res = await rest(daemon.url, "POST", "/api/projects", { path: await daemon.newProjectDir(runtime), runtime }, auth);
    expect(res.status, res.text).to.equal(201);
    return res.body.id as string;
  }

  it("gives a shell agent the allow-listed variables and agent_env, never the API token or anything else", async function () {
    const projectId = await register("shell");
    const added = await rest(daemon.url, "POST", "/api/work", { project_id: projectId, content: "env" }, auth);
    expect(added.status, added.text).to.equal(201);
    const result = await waitFor(
      async () => {
        const item = (await rest(daemon.url, "GET", `/api/work/${added.body.id}`, undefined, auth)).body;
        return item.state === "completed" ? (item.result as string) : undefined;
      },
      { timeoutMs: 30_000, what: "the env item to complete" },
    );
    const lines = envLines(result);
    expect(lines).to.include("TZ=CMD0");
    // tmux's own (`default-terminal`), the terminal the agent draws on, not the one the daemon was started from.
    expect(lines.filter((line) => line.startsWith("TERM="))).to.have.length(1).and.satisfy(([term]: string[]) => /^TERM=(screen|tmux)/.test(term));
    expect(lines).to.include("PASSED_THROUGH=passed-by-agent-env");
    expect(lines.some((line) => line.startsWith("PATH=") && line.includes(join(scratch, "bin")))).to.equal(true);
    expect(result).to.not.include(TOKEN);
    expect(result).to.not.include("COMMANDER_");
    expect(result).to.not.include("not-listed-value-3e8d");
    expect(result, "another runtime's key").to.not.include(ANTHROPIC_KEY);

    // The private tmux server itself never had the token: windows inherit its global environment.
    const socket = join(daemon.stateDir, "tmux.sock");
    const serverPid = execFileSync("tmux", ["-S", socket, "display-message", "-p", "#{pid}"], { encoding: "utf8" }).trim();
    const serverEnv = (await readFile(`/proc/${serverPid}/environ`, "utf8")).split("\0");
    expect(serverEnv.filter((entry) => entry.startsWith("COMMANDER_"))).to.deep.equal([]);
    expect(serverEnv.join("\n")).to.not.include(TOKEN);
    const globalEnv = execFileSync("tmux", ["-S", socket, "show-environment", "-g"], { encoding: "utf8" });
    expect(globalEnv).to.not.include(TOKEN);
  });

  it("keeps the hook secret off every command line while the agent runs, and its hooks still authenticate", async function () {
    const projectId = await register("claude-code");
    const created = await rest(daemon.url, "POST", "/api/sessions", { project_id: projectId }, auth);
    expect(created.status, created.text).to.equal(201);
    const started = await rest(daemon.url, "POST", `/api/sessions/${projectId}/start`, {}, auth);
    expect(started.status, started.text).to.equal(200);
    const env = await waitFor(() => readFile(claudeEnvFile, "utf8").catch(() => undefined), { timeoutMs: 30_000, what: "the agent to start" });
    const secret = envLines(env).find((line) => line.startsWith("COMMANDER_HOOK_SECRET="))?.slice("COMMANDER_HOOK_SECRET=".length);
    expect(secret).to.match(/^[0-9a-f]{48}$/);

    const commandLines = await allCommandLines();
    expect(commandLines.filter((line) => line.includes(`${join(daemon.stateDir, "tmux.sock")} -C attach`))).to.have.length(1);
    expect(commandLines.filter((line) => line.includes(secret!))).to.deep.equal([]);
    const tmuxCommands = await readFile(tmuxLog, "utf8");
    expect(tmuxCommands).to.include("new-window");
    expect(tmuxCommands).to.not.include(secret!);
    expect(tmuxCommands).to.not.include(ANTHROPIC_KEY);
    // The file that carried the environment is gone once the agent runs.
    expect(await readdir(join(daemon.stateDir, "agent-env"))).to.deep.equal([]);
    expect(envLines(env)).to.include(`ANTHROPIC_API_KEY=${ANTHROPIC_KEY}`); // what this runtime needs
    expect(env).to.not.include(TOKEN);
    expect(env.split("\n").filter((line) => line.startsWith("COMMANDER_"))).to.have.length(1);

    const hook = await rest(daemon.url, "POST", `/api/hooks/${created.body.id}`, { hook_event_name: "Notification" }, { authorization: `Bearer ${secret}` });
    expect(hook.status, hook.text).to.equal(200);
  });
});
