import { expect } from "chai";
import { runCliProcess } from "../support/run-cli-process.js";
import { spawnCli, type RunningCli } from "../support/spawn-cli.js";
import { rmSync } from "node:fs";
import { startCliDaemon, type CliDaemon } from "../support/start-cli-daemon.js";

describe("commander watch (against a real daemon)", function () {
  // Each step runs the CLI as a new process, which takes seconds on a busy machine.
  this.timeout(60_000);
  let daemon: CliDaemon;
  const watchers: RunningCli[] = [];
  const cli = (args: string[]) => runCliProcess(["--url", daemon.url, ...args]);
  const watch = (args: string[]) => {
    const running = spawnCli(["watch", "--url", daemon.url, ...args]);
    watchers.push(running);
    return running;
  };

  before(async function () {
    this.timeout(90_000);
    daemon = await startCliDaemon();
    expect((await cli(["projects", "add", daemon.workDir, "--id", "watched", "--runtime", "shell"])).code).to.equal(0);
  });

  after(async function () {
    this.timeout(60_000);
    for (const running of watchers) await running.stop("SIGKILL");
    await daemon.stop();
    await daemon.cleanup();
    rmSync(daemon.workDir, { recursive: true, force: true });
  });

  it("prints one readable line per change as it happens", async () => {
    const running = watch([]);
    // Changes made before the stream is open are not shown; retry until one is.
    await waitUntilShown(running, () => cli(["inbox", "send", "watched", "hello", "watcher"]), /inbox_changed\s+watched\s+msg-\S+ (pending|delivered) "hello watcher"/);
    await cli(["work", "add", "watched", "Build the thing", "--priority", "high"]);
    const line = await running.waitForLine(/work_changed/);
    expect(line).to.match(/^\d\d:\d\d:\d\d  #\d+\s+work_changed\s+watched  work-[0-9a-f]{12} queued high "Build the thing"$/);
    expect(running.stdout()).to.not.contain("\u001b[");
  });

  it("prints NDJSON lines equal to the REST stream's with --json", async () => {
    const running = watch(["--json", "--kind", "work_changed"]);
    await waitUntilShown(running, () => cli(["work", "add", "watched", "json item"]), /"json item"/);
    const line = JSON.parse(await running.waitForLine(/"json item"/)) as { result: { change: { seq: string; kind: string } } };
    expect(line.result.change.kind).to.equal("work_changed");
    const seq = BigInt(line.result.change.seq);
    const rest = await fetch(`${daemon.url}/api/changes?after_seq=${seq - 1n}`, { signal: AbortSignal.timeout(1500) })
      .then((res) => readFirstLine(res))
      .catch((err: unknown) => { throw err; });
    expect(JSON.parse(rest)).to.deep.equal(line);
  });

  it("replays retained changes after a sequence number", async () => {
    const running = watch(["--after-seq", "1", "--project", "watched"]);
    const first = await running.waitForLine(/#/);
    expect(first).to.match(/^\d\d:\d\d:\d\d  #2\s+inbox_changed\s+watched  msg-[0-9a-f]{12} (pending|delivered) "hello watcher"$/);
  });

  it("reconnects after the daemon restarts and resumes after the last sequence it saw", async function () {
    this.timeout(120_000);
    const running = watch(["--kind", "work_changed"]);
    await waitUntilShown(running, () => cli(["work", "add", "watched", "before restart"]), /"before restart"/);
    await daemon.stop();
    await running.waitForStderr(/connection lost .*; reconnecting in/);
    daemon = await daemon.restart();
    await running.waitForStderr(/reconnected; resuming after #\d+/, 20_000);
    await cli(["work", "add", "watched", "after restart"]);
    await running.waitForLine(/"after restart"/);
    // Resuming after the last sequence seen: every change once, in order, none repeated.
    const seqs = running.stdout().trim().split("\n").map((line) => Number(/  #(\d+)\s/.exec(line)?.[1]));
    expect(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]), seqs.join(",")).to.equal(true);
  });

  it("exits 2 for an unknown change kind", async () => {
    const result = await cli(["watch", "--kind", "everything"]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain("expected one of: event_created, event_resolved, work_changed");
  });

  it("exits 1 for an unknown project", async () => {
    const result = await cli(["watch", "--project", "nope"]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/\(PROJECT_NOT_FOUND\)\n$/);
  });
});

/** Repeats `act` until the watcher prints a matching line: the stream may open after the first change. */
async function waitUntilShown(running: RunningCli, act: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await act();
    try {
      await running.waitForLine(pattern, 2_000);
      return;
    } catch (err) {
      if (attempt >= 5) throw err;
    }
  }
}

async function readFirstLine(res: Response): Promise<string> {
  const reader = res.body!.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  await reader.cancel();
  return text.split("\n")[0];
}
