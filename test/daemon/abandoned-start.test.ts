import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { START_TIMEOUT_MS, startDaemon, startsInProgress, stopAbandonedStarts } from "../support/daemon-process.js";
import { waitFor } from "../support/wait-for.js";

describe("test daemons: slow starts", function () {
  this.timeout(30_000);
  let scratch: string;
  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), "commander-slow-start-"));
  });
  after(async () => {
    await stopAbandonedStarts();
    await rm(scratch, { recursive: true, force: true });
  });

  it("waits for a start generously (a condition wait: a quick start returns at once)", () => {
    expect(START_TIMEOUT_MS).to.be.at.least(60_000);
  });

  it("stops a daemon whose start a timed-out test abandoned", async () => {
    // A daemon process that hangs before it starts, as one on a starved machine seems to.
    const hang = join(scratch, "hang.cjs");
    await writeFile(hang, "Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120000);\n");
    const start = startDaemon({ env: { NODE_OPTIONS: `--require ${hang}` } });
    const outcome = start.then(
      () => expect.fail("the hanging daemon started"),
      (error: Error) => error,
    );
    await waitFor(() => startsInProgress().length === 1, { timeoutMs: 10_000, what: "the start to be under way" });
    const [child] = startsInProgress();
    // What the root hooks do after a test that timed out.
    const stopped = await stopAbandonedStarts();
    expect(stopped).to.deep.equal([child]);
    expect(child.signalCode).to.equal("SIGKILL");
    expect(() => process.kill(child.pid!, 0)).to.throw();
    expect((await outcome).message).to.match(/abandoned/);
    expect(startsInProgress()).to.deep.equal([]);
  });
});
