import { createHash } from "node:crypto";
import { connect, createServer, type Server } from "node:net";
import { readFile, realpath, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileDurably } from "./durable-file.js";
import { LOCK_FILE } from "./state-files.js";

export class StateDirectoryLockedError extends Error {
  constructor(
    readonly directory: string,
    readonly pid: number | null,
    readonly port: number | null,
  ) {
    const owner = [pid !== null ? `pid ${pid}` : "", port ? `port ${port}` : ""].filter(Boolean).join(", ");
    super(
      `another Commander daemon${owner ? ` (${owner})` : ""} is already using the state directory ${directory}; stop it first or choose another --state-dir`,
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
  /** Records the port once the daemon listens, so a second daemon (and the CLI) can name it. */
  setAddress(host: string, port: number): Promise<void>;
  release(): Promise<void>;
}

/** The lock's listening socket, next to the state; `daemon.lock` only describes its holder. */
export const LOCK_SOCKET = "daemon.sock";

const TAKEOVER_WAIT_MS = 5000;
const PROBE_TIMEOUT_MS = 2000;
const SOCKETS_UNSUPPORTED = new Set(["EPERM", "EOPNOTSUPP", "ENOTSUP", "EINVAL"]);

/**
 * One daemon per state directory. The lock is a Unix socket the daemon listens on for its whole life:
 * the kernel closes it the moment the process dies (before it is even reaped), so a connection that
 * succeeds means a live holder, and a refused one means a stale socket left by a crash, taken over. A
 * pid recorded in a file proves nothing: after a crash it may belong to an unrelated process, and a
 * killed daemon's pid stays "alive" until its parent reaps it.
 */
export async function acquireStateLock(directory: string): Promise<StateLock> {
  let socketPath = await lockSocketPath(directory);
  const lockFile = join(directory, LOCK_FILE);
  let contents: LockContents = { pid: process.pid, port: null, host: null, started_at: new Date().toISOString() };
  // Removing a stale socket and binding a new one must not interleave with another starting daemon (it
  // could remove the socket just bound), so both happen while holding a second, short-lived socket.
  let takeover: Server;
  try {
    takeover = await holdTakeoverSocket(`${socketPath}.takeover`, directory);
  } catch (error) {
    // A file system without sockets (some network and shared-folder mounts): every daemon falls back alike.
    if (!SOCKETS_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
    socketPath = await fallbackSocketPath(directory);
    takeover = await holdTakeoverSocket(`${socketPath}.takeover`, directory);
  }
  let server: Server;
  try {
    const claimed = await claimSocket(socketPath, () => `${JSON.stringify(contents)}\n`);
    if ("holder" in claimed) {
      const described = claimed.holder ?? (await readLockFile(lockFile));
      throw new StateDirectoryLockedError(directory, described?.pid ?? null, described?.port ?? null);
    }
    server = claimed.server;
    // The lock alone must not keep the process alive: a start-up that fails past this point still exits
    // (the kernel then closes the socket, and the next daemon takes the stale file over).
    server.unref();
  } finally {
    await closeServer(takeover);
  }
  try {
    await writeFileDurably(lockFile, JSON.stringify(contents));
  } catch (error) {
    await closeServer(server);
    throw error;
  }
  return {
    async setAddress(host, port) {
      contents = { ...contents, host, port };
      // Replaced atomically: a reader never sees it empty.
      await writeFileDurably(lockFile, JSON.stringify(contents));
    },
    async release() {
      // The description goes first: once the socket is closed, a new daemon may already write its own.
      await unlink(lockFile).catch(() => undefined);
      await closeServer(server);
    },
  };
}

/** Where a live daemon holding the lock of `directory` listens; null when no daemon holds it. */
export async function findLockHolder(directory: string): Promise<{ pid: number; host: string | null; port: number | null } | null> {
  // The preferred path, else the temporary directory's (a long path, or a file system without sockets).
  const candidates = new Set<string>();
  for (const path of [lockSocketPath(directory), fallbackSocketPath(directory)]) {
    const resolved = await path.catch(() => null);
    if (resolved !== null) candidates.add(resolved);
  }
  for (const path of candidates) {
    const probe = await probeSocket(path);
    // A holder too busy to answer is alive all the same: its lock file describes it.
    if (probe.kind === "live") return probe.holder ?? (await readLockFile(join(directory, LOCK_FILE)));
  }
  return null;
}

type Probe =
  | { kind: "absent" }
  | { kind: "stale" }
  | { kind: "dying" }
  | { kind: "live"; holder: LockContents | null };

// Answers the holder's description to whoever connects; the connection itself is the liveness answer.
async function claimSocket(path: string, describe: () => string): Promise<{ server: Server } | { holder: LockContents | null }> {
  const deadline = Date.now() + TAKEOVER_WAIT_MS;
  for (;;) {
    const server = createServer((socket) => {
      socket.on("error", () => undefined);
      socket.end(describe());
    });
    try {
      await listen(server, path);
      return { server };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    }
    const probe = await probeSocket(path);
    if (probe.kind === "live") return { holder: probe.holder };
    if (probe.kind === "stale") await unlink(path).catch(ignoreMissing);
    // "dying": a killed holder whose socket still accepted; the next probe finds it refused.
    if (Date.now() > deadline) return { holder: null };
    if (probe.kind === "dying") await delay(20);
  }
}

async function holdTakeoverSocket(path: string, directory: string): Promise<Server> {
  const deadline = Date.now() + TAKEOVER_WAIT_MS;
  for (;;) {
    const server = createServer((socket) => {
      socket.on("error", () => undefined);
      socket.end("\n");
    });
    try {
      await listen(server, path);
      return server;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    }
    if (Date.now() > deadline) throw new Error(`another daemon has been starting on ${directory} for ${TAKEOVER_WAIT_MS / 1000} s (${path})`);
    // Refused twice, some time apart: a crash left it (a live holder is never between bind and listen
    // for that long).
    if ((await probeSocket(path)).kind === "stale") {
      await delay(50);
      if ((await probeSocket(path)).kind === "stale") await unlink(path).catch(ignoreMissing);
    } else {
      await delay(20);
    }
  }
}

function probeSocket(path: string): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = connect(path);
    let connected = false;
    let answer = "";
    let settled = false;
    const settle = (probe: Probe) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(probe);
    };
    // A holder that accepts but does not answer (stopped with SIGSTOP, or very busy) is alive all the same.
    const timer = setTimeout(() => settle(connected ? { kind: "live", holder: null } : { kind: "dying" }), PROBE_TIMEOUT_MS);
    socket.setEncoding("utf8");
    socket.on("connect", () => (connected = true));
    socket.on("data", (chunk: string) => {
      answer += chunk;
      if (answer.includes("\n")) settle({ kind: "live", holder: parseContents(answer.slice(0, answer.indexOf("\n"))) });
    });
    socket.on("end", () => settle({ kind: "dying" }));
    socket.on("close", () => settle({ kind: "dying" }));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED") settle({ kind: "stale" });
      else if (error.code === "ENOENT") settle({ kind: "absent" });
      else settle({ kind: "dying" });
    });
  });
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ path, exclusive: true }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

// Closing a listening Unix socket server also removes its file (libuv unlinks the path it bound).
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

// A Unix socket path must stay short (about 100 bytes); a long state directory gets its lock socket in
// the temporary directory, named after the directory's real path so every spelling of it agrees.
async function lockSocketPath(directory: string): Promise<string> {
  const preferred = join(directory, LOCK_SOCKET);
  if (Buffer.byteLength(`${preferred}.takeover`) < 100) return preferred;
  return fallbackSocketPath(directory);
}

async function fallbackSocketPath(directory: string): Promise<string> {
  const real = await realpath(directory);
  return join(tmpdir(), `commander-${createHash("sha256").update(real).digest("hex").slice(0, 16)}.lock.sock`);
}

async function readLockFile(path: string): Promise<LockContents | null> {
  return parseContents(await readFile(path, "utf8").catch(() => ""));
}

function parseContents(text: string): LockContents | null {
  try {
    const parsed = JSON.parse(text) as LockContents;
    return typeof parsed.pid === "number" ? parsed : null;
  } catch {
    return null;
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== "ENOENT") throw error;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
