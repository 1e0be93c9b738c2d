import { spawnSync } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { LOCK_FILE } from "../../src/store/state-files.js";
import { acquireStateLock, StateDirectoryLockedError } from "../../src/store/state-lock.js";
import { listDir, tempDir } from "./store-test-kit.js";

/** The pid of a process that has exited (so it is certainly not running). */
function deadPid(): number {
  const result = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(result.stdout.toString());
}

describe("acquireStateLock", () => {
  let directory: string;

  beforeEach(async () => {
    directory = await tempDir();
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("refuses a second owner, naming the running daemon's pid and port", async () => {
    const owner = { pid: process.ppid, port: 4321, host: "127.0.0.1", started_at: "2026-01-01T00:00:00.000Z" };
    await writeFile(join(directory, LOCK_FILE), JSON.stringify(owner));
    let error: unknown;
    try {
      await acquireStateLock(directory);
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(StateDirectoryLockedError);
    expect((error as Error).message).to.contain(`pid ${process.ppid}`).and.contain("port 4321").and.contain(directory);
  });

  it("records the port once listening, atomically, and removes the lock on release", async () => {
    const lock = await acquireStateLock(directory);
    expect(JSON.parse(await readFile(join(directory, LOCK_FILE), "utf8"))).to.include({ pid: process.pid, port: null });
    await lock.setAddress("127.0.0.1", 9999);
    expect(JSON.parse(await readFile(join(directory, LOCK_FILE), "utf8"))).to.include({ pid: process.pid, port: 9999, host: "127.0.0.1" });
    expect(await listDir(directory)).to.deep.equal([LOCK_FILE]);
    await lock.release();
    expect(await listDir(directory)).to.deep.equal([]);
  });

  it("takes over the lock of a daemon that is gone (killed, or the machine restarted)", async () => {
    await writeFile(join(directory, LOCK_FILE), JSON.stringify({ pid: deadPid(), port: 1, host: null, started_at: "x" }));
    const lock = await acquireStateLock(directory);
    expect(JSON.parse(await readFile(join(directory, LOCK_FILE), "utf8")).pid).to.equal(process.pid);
    await lock.release();
  });

  it("takes over a lock file left empty or unreadable by a crash", async () => {
    await writeFile(join(directory, LOCK_FILE), "");
    const lock = await acquireStateLock(directory);
    expect(JSON.parse(await readFile(join(directory, LOCK_FILE), "utf8")).pid).to.equal(process.pid);
    await lock.release();
  });
});
