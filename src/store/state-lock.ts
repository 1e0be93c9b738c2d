import { open, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
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
      const handle = await open(path, "wx", 0o600);
      await handle.writeFile(JSON.stringify(contents));
      await handle.sync();
      await handle.close();
      return {
        async setAddress(host, port) {
          await writeFile(path, JSON.stringify({ ...contents, host, port }), { mode: 0o600 });
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
