import { realpathSync } from "node:fs";
import { basename } from "node:path";
import { expect } from "chai";
import { useCliFixture } from "../support/cli-fixture.js";

interface ProjectJson {
  id: string;
  name: string;
  path: string;
  state: string;
  runtime: string;
}

describe("commander projects (against a real daemon)", function () {
  // Each step runs the CLI as a new process, which takes seconds on a busy machine.
  this.timeout(60_000);
  const f = useCliFixture();

  it("adds a project from a relative path, resolved against the current directory", async () => {
    const dir = f.newProjectDir("alpha");
    const result = await f.cli(["projects", "add", ".", "--name", "Alpha", "--runtime", "shell"], { cwd: dir });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^Registered project-[0-9a-f]{12} \(Alpha\) at /);
    expect(result.stdout.trim().endsWith(realpathSync(dir))).to.equal(true);
    expect(result.stderr).to.equal("");
  });

  it("prints the project as the REST API does with --json", async () => {
    const dir = f.newProjectDir("beta");
    const project = await f.cliJson<ProjectJson>(["projects", "add", dir, "--id", "beta", "--runtime", "shell"]);
    expect(project).to.include({ id: "beta", name: basename(dir), state: "idle", runtime: "shell", state_reason: null });
    expect(project).to.deep.equal(await f.rest(`/api/projects/beta`));
  });

  it("lists projects in a table sized to the terminal, without colour when piped", async () => {
    const result = await f.cli(["projects", "list"], { env: { COLUMNS: "70" } });
    expect(result.code, result.stderr).to.equal(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).to.match(/^ID\s+NAME\s+STATE\s+EVENTS\s+QUEUED\s+ACTIVE\s+PATH$/);
    expect(lines.some((line) => /^beta\s+beta\s+idle\s+0\s+0\s+(just now|\d+s ago)\s+/.test(line))).to.equal(true, result.stdout);
    for (const line of lines) expect(line.length).to.be.at.most(70);
    expect(result.stdout).to.not.contain("\u001b[");
  });

  it("lists projects as the REST API does with --json", async () => {
    expect(await f.cliJson(["projects", "list"])).to.deep.equal(await f.rest("/api/projects"));
  });

  it("shows one project, as details or as JSON", async () => {
    const shown = await f.cli(["projects", "show", "beta"]);
    expect(shown.code, shown.stderr).to.equal(0);
    expect(shown.stdout).to.match(/^ID:\s+beta$/m);
    expect(shown.stdout).to.match(/^State:\s+idle$/m);
    expect(shown.stdout).to.match(/^Runtime:\s+shell$/m);
    expect(await f.cliJson(["projects", "show", "beta"])).to.deep.equal(await f.rest("/api/projects/beta"));
  });

  it("pauses and resumes a project", async () => {
    const paused = await f.cli(["projects", "pause", "beta", "--reason", "reviewing"]);
    expect(paused.code, paused.stderr).to.equal(0);
    expect(paused.stdout).to.equal("Paused beta\n");
    expect(await f.cliJson<ProjectJson>(["projects", "show", "beta"])).to.include({ state: "paused" });
    const resumed = await f.cli(["projects", "resume", "beta"]);
    expect(resumed.code, resumed.stderr).to.equal(0);
    expect(await f.cliJson<ProjectJson>(["projects", "show", "beta"])).to.include({ state: "idle" });
  });

  it("prints the API's message and reason and exits 1 for an unknown project", async () => {
    const result = await f.cli(["projects", "show", "project-000000000000"]);
    expect(result.code).to.equal(1);
    expect(result.stdout).to.equal("");
    expect(result.stderr).to.equal("error: project project-000000000000 not found (PROJECT_NOT_FOUND)\n");
  });

  it("exits 1 with PROJECT_ALREADY_EXISTS when the directory is registered twice", async () => {
    const result = await f.cli(["projects", "add", f.newProjectDir("beta")]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/^error: .* \(PROJECT_ALREADY_EXISTS\)\n$/);
  });

  it("exits 1 with INVALID_PATH for a directory that does not exist", async () => {
    const result = await f.cli(["projects", "add", "/nonexistent/commander-test"]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/\(INVALID_PATH\)\n$/);
  });

  it("removes a project", async () => {
    const result = await f.cli(["projects", "rm", "beta"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal("Removed beta\n");
    expect((await f.cli(["projects", "show", "beta"])).code).to.equal(1);
  });
});
