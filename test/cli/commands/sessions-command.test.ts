import { expect } from "chai";
import { cleanEnv, commanderBin } from "../support/cli-env.js";
import { useCliFixture } from "../support/cli-fixture.js";
import { createPrivateTmux, type PrivateTmux } from "../support/private-tmux.js";

interface SessionJson {
  id: string;
  project_id: string;
  state: string;
  tmux_target: string;
  attach_command: string;
}

describe("commander sessions (against a real daemon)", function () {
  // Each step runs the CLI as a new process, which takes seconds on a busy machine.
  this.timeout(60_000);
  const f = useCliFixture();
  let tmux: PrivateTmux;

  before(async () => {
    tmux = createPrivateTmux();
    await f.cliJson(["projects", "add", f.newProjectDir("s"), "--id", "s"]);
  });

  after(async () => {
    await tmux.kill();
  });

  it("says so when there are no sessions", async () => {
    const result = await f.cli(["sessions", "status"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal("No sessions. Start one with: commander sessions start <project-id>\n");
  });

  it("exits 1 with SESSION_NOT_FOUND for a project without a session", async () => {
    const result = await f.cli(["sessions", "status", "s"]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/^error: .* \(SESSION_NOT_FOUND\)\n$/);
  });

  it("starts the project's agent and waits until it is ready", async () => {
    const result = await f.cli(["sessions", "start", "s"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^Started session-[0-9a-f]{12} for s \(idle\); watch it with: commander sessions attach s\n$/);
  });

  it("lists sessions in a table, and as the REST API does with --json", async () => {
    const result = await f.cli(["sessions", "status"]);
    expect(result.code, result.stderr).to.equal(0);
    const [header, row] = result.stdout.trimEnd().split("\n");
    expect(header).to.match(/^PROJECT\s+SESSION\s+STATE\s+RUNTIME\s+PANE\s+WORK\s+ACTIVE\s+REASON$/);
    expect(row).to.match(/^s\s+session-[0-9a-f]{12}\s+idle\s+shell\s+%\d+\s+-\s+/);
    expect(await f.cliJson(["sessions", "status"])).to.deep.equal(await f.rest("/api/sessions"));
  });

  it("shows the session of a project, and as the REST API does with --json", async () => {
    const result = await f.cli(["sessions", "status", "s"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^State:\s+idle$/m);
    expect(result.stdout).to.match(/^Pane:\s+%\d+$/m);
    expect(result.stdout).to.match(/^Attach:\s+tmux /m);
    expect(await f.cliJson(["sessions", "status", "s"])).to.deep.equal(await f.rest("/api/sessions/s"));
  });

  it("prints the attach command with --print", async () => {
    const session = await f.rest<SessionJson>("/api/sessions/s");
    const result = await f.cli(["sessions", "attach", "s", "--print"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal(`${session.attach_command}\n`);
  });

  it("exits 2 and prints the command to run when not in a terminal", async () => {
    const session = await f.rest<SessionJson>("/api/sessions/s");
    const result = await f.cli(["sessions", "attach", "s"]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.equal(`error: attaching needs a terminal; run this instead: ${session.attach_command}\n`);
  });

  it("opens the agent's pane in the user's terminal (driven through tmux), until the user detaches", async () => {
    const command = [process.execPath, commanderBin, "--url", f.daemon.url, "sessions", "attach", "s"].map((a) => `'${a}'`).join(" ");
    // The user's own terminal is itself inside tmux here: attaching must still work.
    const pane = await tmux.start("attach", command, cleanEnv({ TERM: "xterm-256color", TMUX: "/tmp/users-tmux,1,0" }));
    await tmux.waitForScreen(pane, /fake-agent> /);
    // Ctrl+B D, typed into the user's terminal, reaches the agent's tmux and detaches from it.
    await tmux.sendKeys(pane, "C-b", "d");
    const done = await tmux.waitForScreen(pane, /\[exit status \d+\]/);
    expect(done).to.contain("[detached");
    expect(done).to.match(/\[exit status 0\]/);
  });

  it("stops the agent and keeps the session record", async () => {
    const result = await f.cli(["sessions", "stop", "s"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal("Stopped the session of s (stopped)\n");
    expect(await f.rest<SessionJson>("/api/sessions/s")).to.include({ state: "stopped" });
  });

  it("exits 1 and says how to start it when attaching to a stopped session", async () => {
    const result = await f.cli(["sessions", "attach", "s"]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.equal("error: the session of s is not running; start it with: commander sessions start s\n");
  });
});
