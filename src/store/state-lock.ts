import { link, open, readFile, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fsyncDirectory, writeFileDurably } from "./durable-file.js";
import { LOCK_FILE } from "./state-files.js";

export class StateDirectoryLockedError extends Error {
  constructor(
    readonly directory: string,
    readonly pid: number,
    readonly port: number | null,
  ) {
    super(
      `another Commander daemon (pid ${pid}${port ? `, port ${port}` : ""}) is already using the state directory ${directory}; stop it first or choose another --state-dir`,
    );
  }
}

interface LockContents {
  pid: number;
  port: number | null;
  host: string | null;
  started_at: string;
}

export interface StateLock {
  /** Records the port once the daemon listens, so a second daemon can name it. */
  setAddress(host: string, port: number): Promise<void>;
  release(): Promise<void>;
}

/** One daemon per state directory: an exclusive lock file naming the owner, taken over only if stale. */
export async function acquireStateLock(directory: string): Promise<StateLock> {
  const path = join(directory, LOCK_FILE);
  const contents: LockContents = { pid: process.pid, port: null, host: null, started_at: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await createWithContents(path, JSON.stringify(contents));
      return {
        async setAddress(host, port) {
          // Replaced atomically: a second daemon reading it meanwhile must never see it empty (and
          // take it for the stale lock of a crashed daemon).
          await writeFileDurably(path, JSON.stringify({ ...contents, host, port }));
        },
        async release() {
          await unlink(path).catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = await readOwner(path);
      if (owner && owner.pid !== process.pid && isAlive(owner.pid)) {
        throw new StateDirectoryLockedError(directory, owner.pid, owner.port);
      }
      // The owner is gone (killed, or the machine restarted): the lock is stale.
      await unlink(path).catch(() => undefined);
    }
  }
  throw new Error(`could not take the lock ${path}`);
}

// The lock appears with its contents already written (a hard link of a complete temporary file), so
// it is never seen empty; `link` fails with EEXIST when another daemon holds it.
async function createWithContents(path: string, text: string): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}-0`;
  const handle = await open(temporary, "w", 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, path);
    await fsyncDirectory(dirname(path));
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

async function readOwner(path: string): Promise<LockContents | null> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as LockContents;
    return typeof parsed.pid === "number" ? parsed : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
