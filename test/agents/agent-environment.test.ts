import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pickEnvironment } from "../../src/agents/agent-environment.js";
import { createRuntimeCatalogue } from "../../src/agents/runtimes/runtime-catalogue.js";
import { ConfigError, loadConfig } from "../../src/config/load-config.js";

const DAEMON_ENV = {
  PATH: "/usr/bin:/bin",
  HOME: "/home/op",
  LANG: "C.UTF-8",
  LC_TIME: "en_GB.UTF-8",
  TZ: "UTC",
  COMMANDER_TOKEN: "the-api-token",
  COMMANDER_CONFIG: "/etc/commander.json",
  ANTHROPIC_API_KEY: "sk-ant-key",
  OPENAI_API_KEY: "sk-openai-key",
  AWS_SECRET_ACCESS_KEY: "aws-secret",
  MY_TOOL_HOME: "/opt/tool",
};

describe("agent environment", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "commander-agent-env-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const launch = (runtime: string, agentEnv: string[] = []) =>
    createRuntimeCatalogue({ daemonEnv: DAEMON_ENV, agentEnv })
      .get(runtime)
      .prepareLaunch({ agentSessionId: randomUUID(), hookUrl: "http://127.0.0.1:9/api/hooks/s1", hookSecret: "s3cret", settingsDir: dir });

  it("picks names and prefixes, never a COMMANDER_ variable whatever the patterns say", () => {
    expect(pickEnvironment(DAEMON_ENV, ["PATH", "LC_*", "COMMANDER_*", "C*"])).to.deep.equal({ PATH: "/usr/bin:/bin", LC_TIME: "en_GB.UTF-8" });
  });

  it("gives a shell agent the basics only, and what agent_env adds", async () => {
    expect((await launch("shell")).env).to.deep.equal({ PATH: "/usr/bin:/bin", HOME: "/home/op", LANG: "C.UTF-8", LC_TIME: "en_GB.UTF-8", TZ: "UTC" });
    expect((await launch("shell", ["MY_TOOL_*"])).env).to.include({ MY_TOOL_HOME: "/opt/tool" });
  });

  it("gives each runtime what it needs: Claude Code its ANTHROPIC_ settings and its own hook secret, Codex its OPENAI_ ones", async () => {
    const claude = (await launch("claude-code")).env;
    expect(claude).to.include({ ANTHROPIC_API_KEY: "sk-ant-key", COMMANDER_HOOK_SECRET: "s3cret", PATH: "/usr/bin:/bin" });
    expect(claude).to.not.have.any.keys("COMMANDER_TOKEN", "COMMANDER_CONFIG", "OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY");
    const codex = (await launch("codex")).env;
    expect(codex).to.include({ OPENAI_API_KEY: "sk-openai-key" });
    expect(codex).to.not.have.any.keys("ANTHROPIC_API_KEY", "COMMANDER_HOOK_SECRET");
  });

  it("refuses an agent_env entry that names a COMMANDER_ variable or is no variable name, naming the setting", async () => {
    const file = join(dir, "config.json");
    await writeFile(file, JSON.stringify({ agent_env: ["MY_TOOL_*"] }));
    expect(loadConfig({ config: file }, {}).agentEnv).to.deep.equal(["MY_TOOL_*"]);
    expect(() => loadConfig({ config: file }, { COMMANDER_AGENT_ENV: "FOO,COMMANDER_TOKEN" })).to.throw(ConfigError, /COMMANDER_AGENT_ENV: "COMMANDER_TOKEN"/);
    await writeFile(file, JSON.stringify({ agent_env: ["BAD NAME"] }));
    expect(() => loadConfig({ config: file }, {})).to.throw(ConfigError, /agent_env: "BAD NAME" is not a variable name/);
  });
});
