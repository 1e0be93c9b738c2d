import { expect } from "chai";
import { useCliFixture } from "../support/cli-fixture.js";

describe("commander policy and projects update (against a real daemon)", function () {
  // Each step runs the CLI as a new process, which takes seconds on a busy machine.
  this.timeout(60_000);
  const f = useCliFixture();

  before(async () => {
    await f.cliJson(["projects", "add", f.newProjectDir("pol"), "--id", "pol", "--runtime", "claude-code", "--permission-mode", "plan", "--model", "sonnet"]);
  });

  it("registers a project with a permission mode and a model", async () => {
    expect(await f.rest("/api/projects/pol")).to.include({ permission_mode: "plan", model: "sonnet" });
  });

  it("changes only the settings given to projects update", async () => {
    const result = await f.cli(["projects", "update", "pol", "--permission-mode", "acceptEdits"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include("Updated pol: permission mode acceptEdits, model sonnet; applies from the agent's next start");
    const cleared = await f.cliJson<Record<string, unknown>>(["projects", "update", "pol", "--model", ""]);
    expect(cleared).to.include({ permission_mode: "acceptEdits", model: "" });
  });

  it("sets and clears the project's permission-hook timeout with --permission-timeout", async () => {
    expect(await f.cliJson<Record<string, unknown>>(["projects", "update", "pol", "--permission-timeout", "90"])).to.include({ permission_timeout_seconds: 90 });
    expect(await f.cliJson<Record<string, unknown>>(["projects", "update", "pol", "--permission-timeout", "0"])).to.include({ permission_timeout_seconds: 0 });
    const bad = await f.cli(["projects", "update", "pol", "--permission-timeout", "soon"]);
    expect(bad.code).to.equal(2);
  });

  it("refuses projects update without a setting, and an unknown mode naming the field", async () => {
    expect((await f.cli(["projects", "update", "pol"])).stderr).to.include("give --name, --permission-mode, --model or --permission-timeout");
    const bad = await f.cli(["projects", "update", "pol", "--permission-mode", "yolo"]);
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr).to.include('project.permission_mode: unknown permission mode "yolo"');
  });

  it("adds allow and deny rules, lists them and removes one", async () => {
    expect((await f.cli(["policy", "allow", "pol", "Bash(npm test:*)"])).stdout).to.include("Allowing Bash(npm test:*) in pol (1 rules)");
    expect((await f.cli(["policy", "deny", "pol", "Bash(rm:*)"])).code).to.equal(0);
    const listed = await f.cli(["policy", "list", "pol"], { env: { COLUMNS: "80" } });
    const lines = listed.stdout.trimEnd().split("\n");
    expect(lines[0]).to.match(/^ACTION\s+RULE\s+SOURCE$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 2))).to.deep.equal([
      ["allow", "Bash(npm"],
      ["deny", "Bash(rm:*)"],
    ]);
    const json = await f.cliJson<{ rules: Array<{ rule: string }> }>(["policy", "list", "pol"]);
    expect(json.rules.map((rule) => rule.rule)).to.deep.equal(["Bash(npm test:*)", "Bash(rm:*)"]);
    expect((await f.cli(["policy", "remove", "pol", "Bash(rm:*)", "--action", "deny"])).stdout).to.include("Removed Bash(rm:*) from pol (1 rules left)");
    const missing = await f.cli(["policy", "remove", "pol", "Bash(rm:*)"]);
    expect(missing.code).to.not.equal(0);
    expect(missing.stderr).to.include('has no rule "Bash(rm:*)"');
  });

  it("refuses a rule outside Claude Code's syntax, naming the field", async () => {
    const result = await f.cli(["policy", "allow", "pol", "Bash(npm"]);
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.include("rule: ");
  });
});
