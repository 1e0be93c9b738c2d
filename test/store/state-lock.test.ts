import { spawn, spawnSync, type ChildProcess, type StdioOptions } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { expect } from "chai";
import { build } from "esbuild";
import { LOCK_FILE } from "../../src/store/state-files.js";
import { acquireStateLock, LOCK_SOCKET, StateDirectoryLockedError, type StateLock } from "../../src/store/state-lock.js";
import { listDir, tempDir } from "./store-test-kit.js";

/** The pid of a process that has exited (so it is certainly not running). */
function deadPid(): number {
  const result = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(result.stdout.toString());
}

async function refusal(directory: string): Promise<Error> {
  let lock: StateLock | undefined;
  try {
    lock = await acquireStateLock(directory);
  } catch (caught) {
    expect(caught).to.be.instanceOf(StateDirectoryLockedError);
    return caught as Error;
  }
  await lock.release();
  return expect.fail("the lock was taken while another holder was alive");
}

const LOCK_SOURCE = fileURLToPath(new URL("../../src/store/state-lock.ts", import.meta.url));
let LOCK_MODULE = "";

/** The lock module bundled as plain JavaScript: a holder process then starts in a few tens of milliseconds. */
async function bundleLockModule(outDirectory: string): Promise<string> {
  const outfile = join(outDirectory, "state-lock.mjs");
  await build({ entryPoints: [LOCK_SOURCE], bundle: true, platform: "node", format: "esm", outfile, logLevel: "silent" });
  return pathToFileURL(outfile).href;
}

function nodeScript(script: string, stdio: StdioOptions): ChildProcess {
  return spawn(process.execPath, ["--input-type=module", "-e", script], { stdio });
}

/** Another process that takes the lock of `directory`, records port 4242 and keeps it until killed. */
async function holdInChild(directory: string): Promise<ChildProcess> {
  const script = `const { acquireStateLock } = await import(${JSON.stringify(LOCK_MODULE)});
const lock = await acquireStateLock(${JSON.stringify(directory)});
await lock.setAddress("127.0.0.1", 4242);
process.stdout.write("locked\\n");
setInterval(() => undefined, 60_000);`;
  const child = nodeScript(script, ["ignore", "pipe", "pipe"]);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", () => output.includes("locked\n") && resolve());
    child.once("exit", (code) => reject(new Error(`the lock holder exited (${code}): ${output}`)));
  });
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

describe("acquireStateLock", function () {
  this.timeout(60_000);
  let directory: string;
  let bundleDirectory: string;
  const children: ChildProcess[] = [];

  before(async () => {
    bundleDirectory = await tempDir("commander-lock-bundle-");
    LOCK_MODULE = await bundleLockModule(bundleDirectory);
  });

  after(async () => {
    await rm(bundleDirectory, { recursive: true, force: true });
  });

  beforeEach(async () => {
    directory = await tempDir();
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill("SIGKILL");
      await exited(child);
    }
    await rm(directory, { recursive: true, force: true });
  });

  it("refuses a second owner while the first lives, naming its pid and port", async () => {
    const first = await acquireStateLock(directory);
    await first.setAddress("127.0.0.1", 4321);
    const error = await refusal(directory);
    expect(error.message).to.contain(`pid ${process.pid}`).and.contain("port 4321").and.contain(directory);
    await first.release();
  });

  it("refuses while the owner in another process lives, even when it does not answer (stopped)", async () => {
    const holder = await holdInChild(directory);
    children.push(holder);
    expect((await refusal(directory)).message).to.contain(`pid ${holder.pid}`).and.contain("port 4242");
    holder.kill("SIGSTOP");
    try {
      expect((await refusal(directory)).message).to.contain(`pid ${holder.pid}`).and.contain("port 4242");
    } finally {
      holder.kill("SIGCONT");
    }
  });

  it("does not keep its process alive on its own, and a process that exits holding it leaves it free", async () => {
    const script = `const { acquireStateLock } = await import(${JSON.stringify(LOCK_MODULE)});
await acquireStateLock(${JSON.stringify(directory)});`;
    const child = nodeScript(script, ["ignore", "ignore", "inherit"]);
    children.push(child);
    const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
    expect(code).to.equal(0);
    await (await acquireStateLock(directory)).release();
  });

  it("records the port once listening, atomically, and removes the lock on release", async () => {
    const lock = await acquireStateLock(directory);
    expect(JSON.parse(await readFile(join(directory, LOCK_FILE), "utf8"))).to.include({ pid: process.pid, port: null });
    await lock.setAddress("127.0.0.1", 9999);
    expect(JSON.parse(await readFile(join(directory, LOCK_FILE), "utf8"))).to.include({ pid: process.pid, port: 9999, host: "127.0.0.1" });
    expect(await listDir(directory)).to.deep.equal([LOCK_FILE, LOCK_SOCKET]);
    await lock.release();
    expect(await listDir(directory)).to.deep.equal([]);
    // Released means free: it can be taken again at once.
    await (await acquireStateLock(directory)).release();
  });

  it("works, and still excludes a second owner, when the state directory's path is too long for a socket", async () => {
    const deep = join(directory, "a-directory-name-long-enough".repeat(4));
    await mkdir(deep);
    const lock = await acquireStateLock(deep);
    expect(await listDir(deep)).to.deep.equal([LOCK_FILE]);
    expect((await refusal(deep)).message).to.contain(`pid ${process.pid}`);
    await lock.release();
    await (await acquireStateLock(deep)).release();
  });

  it("is not blocked by a lock file whose pid now belongs to an unrelated live process", async () => {
    // The parent of this test process is alive and certainly not a Commander daemon.
    await writeFile(join(directory, LOCK_FILE), JSON.stringify({ pid: process.ppid, port: 1, host: "127.0.0.1", started_at: "x" }));
    const lock = await acquireStateLock(directory);
    expect(JSON.parse(await readFile(join(directory, LOCK_FILE), "utf8")).pid).to.equal(process.pid);
    await lock.release();
  });

  it("takes over the lock file of a daemon that is gone (killed, or the machine restarted)", async () => {
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

  it("is taken 20 times of 20 straight after the holder is killed with SIGKILL, before it is reaped", async () => {
    // Holders in parallel, each on its own directory, so the 20 rounds cost about one process start-up.
    const directories = await Promise.all(Array.from({ length: 20 }, () => tempDir()));
    try {
      const holders = await Promise.all(directories.map((each) => holdInChild(each)));
      children.push(...holders);
      let taken = 0;
      for (const [index, holder] of holders.entries()) {
        holder.kill("SIGKILL");
        // No waiting for the exit: the killed process may well still exist (and is not reaped yet).
        const lock = await acquireStateLock(directories[index]!);
        expect(JSON.parse(await readFile(join(directories[index]!, LOCK_FILE), "utf8")).pid).to.equal(process.pid);
        await lock.release();
        taken++;
      }
      expect(taken).to.equal(20);
    } finally {
      await Promise.all(directories.map((each) => rm(each, { recursive: true, force: true })));
    }
  });

  it("lets exactly one of several processes starting at once take a stale lock", async () => {
    const holder = await holdInChild(directory);
    holder.kill("SIGKILL");
    await exited(holder);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => {
        const script = `const { acquireStateLock } = await import(${JSON.stringify(LOCK_MODULE)});
try { await acquireStateLock(${JSON.stringify(directory)}); process.stdout.write("took"); setInterval(() => undefined, 60_000); }
catch (error) { process.stdout.write(error.constructor.name); }`;
        const child = nodeScript(script, ["ignore", "pipe", "inherit"]);
        children.push(child);
        let output = "";
        child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
        // The one that takes it keeps it until the end of the test.
        return new Promise<string>((resolve) => child.stdout!.once("data", () => setImmediate(() => resolve(output))));
      }),
    );
    expect(results.filter((result) => result === "took"), results.join(",")).to.have.length(1);
    expect(results.filter((result) => result === "StateDirectoryLockedError"), results.join(",")).to.have.length(3);
  });
});
