import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { createTmuxDriver, type TmuxDriver } from "../../../src/agents/tmux/tmux-driver.js";
import { InvalidKeyError, TmuxMissingError } from "../../../src/agents/tmux/tmux-errors.js";
import { createTmuxSandbox, type TmuxSandbox } from "../../support/tmux-sandbox.js";
import { waitFor } from "../../support/wait-for.js";

const exists = (path: string) => stat(path).then(() => true, () => false);

describe("tmux driver", () => {
  let sandbox: TmuxSandbox;

  beforeEach(async () => {
    sandbox = await createTmuxSandbox();
  });
  afterEach(async () => {
    await sandbox.cleanup();
  });

  it("returns the exact pane id and pid that tmux printed for each new window", async () => {
    const { driver } = sandbox;
    const first = await driver.openWindow({ name: "one", cwd: sandbox.dir, command: ["sleep", "30"] });
    const second = await driver.openWindow({ name: "two", cwd: sandbox.dir, command: ["sleep", "30"] });
    expect(first.paneId).to.match(/^%\d+$/);
    expect(second.paneId).to.not.equal(first.paneId);
    const panes = await driver.listPanes();
    expect(panes.map((pane) => pane.paneId)).to.include.members([first.paneId, second.paneId]);
    const status = await driver.paneStatus(second.paneId);
    expect(status).to.include({ paneId: second.paneId, alive: true, pid: second.panePid, currentCommand: "sleep" });
  });

  it("runs the command's argv without a shell, in the given directory and environment", async () => {
    const { driver, dir } = sandbox;
    const out = join(dir, "argv.txt");
    const script = join(dir, "dir with space", "run me.sh");
    await mkdir(join(dir, "dir with space"));
    await writeFile(script, `#!/bin/sh\nprintf '%s|' "$PWD" "$GREETING" "$@" > '${out}'\nsleep 30\n`);
    await chmod(script, 0o755);
    await driver.openWindow({ name: "argv", cwd: dir, command: [script, "a b", "$(touch pwned)", "'q'"], env: { GREETING: "hi there" } });
    await waitFor(() => exists(out), { what: "the script to write its argv" });
    expect(await readFile(out, "utf8")).to.equal(`${dir}|hi there|a b|$(touch pwned)|'q'|`);
    expect(await exists(join(dir, "pwned"))).to.equal(false);
  });

  it("runs a one-word command with spaces in its path", async () => {
    const { driver, dir } = sandbox;
    const script = join(dir, "one word.sh");
    await writeFile(script, `#!/bin/sh\ntouch '${join(dir, "ran")}'\nsleep 30\n`);
    await chmod(script, 0o755);
    await driver.openWindow({ name: "one-word", cwd: dir, command: [script] });
    await waitFor(() => exists(join(dir, "ran")), { what: "the script to run" });
  });

  it("refuses a working directory that does not exist, where tmux would silently use another", async () => {
    let error: unknown;
    await sandbox.driver
      .openWindow({ name: "nowhere", cwd: join(sandbox.dir, "missing"), command: ["sleep", "30"] })
      .catch((caught) => (error = caught));
    expect(String(error)).to.contain("not a directory");
  });

  it("delivers text literally: key names, quotes and $(...) arrive intact and unexecuted", async () => {
    const { driver, dir } = sandbox;
    const out = join(dir, "received.txt");
    const { paneId } = await driver.openWindow({ name: "cat", cwd: dir, command: ["sh", "-c", `exec cat > '${out}'`] });
    const text = [`Enter`, `C-c`, `Escape`, `echo "double" 'single' \`tick\` $(touch pwned) $HOME \\ ; | &`, `  indented  `].join("\n");
    await driver.sendText(paneId, text);
    await driver.sendKeys(paneId, ["Enter"]);
    await waitFor(async () => (await readFile(out, "utf8").catch(() => "")) === `${text}\n`, { what: "the text to arrive" });
    expect(await exists(join(dir, "pwned"))).to.equal(false);
    expect((await driver.paneStatus(paneId))?.alive).to.equal(true); // "C-c" was text, not an interrupt
  });

  it("refuses to press anything that is not a key name", async () => {
    const { driver } = sandbox;
    const { paneId } = await driver.openWindow({ name: "keys", cwd: sandbox.dir, command: ["sleep", "30"] });
    for (const key of ["hello world", "-t", "Enter Enter", "", "%1"]) {
      let error: unknown;
      await driver.sendKeys(paneId, [key]).catch((caught) => (error = caught));
      expect(error, key).to.be.instanceOf(InvalidKeyError);
    }
  });

  it("keeps a dead pane to inspect, with its exit status, until the window is killed", async () => {
    const { driver } = sandbox;
    const { paneId } = await driver.openWindow({ name: "dies", cwd: sandbox.dir, command: ["sh", "-c", "echo last words; sleep 0.2; exit 3"] });
    const status = await waitFor(async () => {
      const current = await driver.paneStatus(paneId);
      if (current && !current.alive && current.exitStatus === null) await driver.reapExitedPanes();
      return current && !current.alive && current.exitStatus !== null ? current : undefined;
    }, { what: "the pane to die" });
    expect(status.exitStatus).to.equal(3);
    expect(await driver.capture(paneId, { scrollback: 100 })).to.contain("Pane is dead");
    await driver.killWindow(paneId);
    expect(await driver.paneStatus(paneId)).to.equal(undefined);
    await driver.killWindow(paneId); // idempotent
  });

  it("captures the screen with or without escapes", async () => {
    const { driver } = sandbox;
    const { paneId } = await driver.openWindow({ name: "colour", cwd: sandbox.dir, command: ["sh", "-c", "printf '\\033[31mred\\033[0m plain\\n'; sleep 30"] });
    const plain = await waitFor(async () => {
      const screen = await driver.capture(paneId);
      return screen.includes("red plain") ? screen : undefined;
    });
    expect(plain).to.not.contain("\u001b[");
    expect(await driver.capture(paneId, { escapes: true })).to.contain("\u001b[31mred");
  });

  it("gives the command a person types to watch a pane on the private socket", () => {
    const { driver } = sandbox;
    expect(driver.attachCommand("%3")).to.equal(
      `tmux -S ${driver.socketPath} attach-session -t %3 \\; select-window -t %3`,
    );
    expect(driver.attachCommand(undefined, { readOnly: true })).to.equal(`tmux -S ${driver.socketPath} attach-session -r -t =commander`);
  });

  it("throws TmuxMissingError when tmux is not installed", async () => {
    const driver = createTmuxDriver({ socketPath: join(sandbox.dir, "none.sock"), logger: pino({ level: "silent" }), tmuxBinary: join(sandbox.dir, "no-tmux") });
    let error: unknown;
    await driver.ensureServer().catch((caught) => (error = caught));
    expect(error).to.be.instanceOf(TmuxMissingError);
    expect((error as Error).message).to.match(/^tmux is not installed: install it \(apt-get install tmux\)/);
  });
});

describe("tmux driver: what windows get in their environment", () => {
  let dir: string;
  let driver: TmuxDriver;
  let argvLog: string;
  const saved = process.env.COMMANDER_TOKEN;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "commander-tmux-env-"));
    argvLog = join(dir, "tmux-argv.log");
    // Records every tmux command line the driver runs, short-lived ones included.
    const realTmux = execFileSync("sh", ["-c", "command -v tmux"], { encoding: "utf8" }).trim();
    const wrapper = join(dir, "tmux");
    await writeFile(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec '${realTmux}' "$@"\n`, { mode: 0o755 });
    process.env.COMMANDER_TOKEN = "daemon-token-never-for-windows";
    driver = createTmuxDriver({ socketPath: join(dir, "tmux.sock"), envDir: join(dir, "env"), tmuxBinary: wrapper, logger: pino({ level: "silent" }) });
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.COMMANDER_TOKEN;
    else process.env.COMMANDER_TOKEN = saved;
    await driver.killServer();
    await rm(dir, { recursive: true, force: true });
  });

  it("hands a window its variables through a file it removes, never on a command line", async () => {
    const secret = "hook-secret-0f9e8d7c6b5a";
    const out = join(dir, "env.txt");
    await driver.openWindow({
      name: "env",
      cwd: dir,
      command: ["sh", "-c", `env > '${out}.tmp' && mv '${out}.tmp' '${out}'; sleep 30`],
      env: { COMMANDER_HOOK_SECRET: secret, ODD: "it's $HOME \"quoted\"\nand two lines" },
    });
    const env = await waitFor(() => readFile(out, "utf8").catch(() => undefined), { what: "the window to write its environment" });
    expect(env).to.include(`COMMANDER_HOOK_SECRET=${secret}\n`);
    expect(env).to.include(`ODD=it's $HOME "quoted"\nand two lines\n`);
    expect(env).to.not.include("daemon-token-never-for-windows"); // the server started with allow-listed variables only
    expect(await readFile(argvLog, "utf8")).to.include("new-window").and.not.include(secret);
    expect(await readdir(join(dir, "env"))).to.deep.equal([]);
  });

  it("gives later windows nothing of a client that attached, such as a person's SSH agent", async () => {
    await driver.ensureServer();
    // A control client attaches and detaches at once (end of input), as a person's terminal would attach.
    execFileSync("tmux", ["-S", driver.socketPath, "-C", "attach-session", "-t", "=commander"], {
      input: "",
      env: { ...process.env, SSH_AUTH_SOCK: "/tmp/agent-of-the-person.sock", TMUX: "" },
      stdio: ["pipe", "ignore", "ignore"],
    });
    const out = join(dir, "env.txt");
    await driver.openWindow({ name: "later", cwd: dir, command: ["sh", "-c", `env > '${out}.tmp' && mv '${out}.tmp' '${out}'; sleep 30`], env: { X: "1" } });
    const env = await waitFor(() => readFile(out, "utf8").catch(() => undefined), { what: "the window to write its environment" });
    expect(env).to.not.include("agent-of-the-person");
  });
});
