import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, open, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino, type Logger } from "pino";
import { StateTransaction, type CollectionName, type CommanderState } from "../../src/domain/commander-state.js";
import type {
  EventRecord,
  InboxMessageRecord,
  ProjectRecord,
  SessionRecord,
  WorkItemRecord,
} from "../../src/domain/records.js";
import { encodeJournalLine } from "../../src/store/journal.js";
import { SCHEMA_VERSION, SNAPSHOT_FILES } from "../../src/store/state-files.js";

// Shared helpers for the store tests: temporary directories, a logger whose lines can be inspected,
// records of every collection in their stored shape, and hand-written state files.

export const T0 = "2026-01-01T00:00:00.000Z";

export async function tempDir(prefix = "commander-store-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export interface CapturedLogger {
  logger: Logger;
  lines: Array<Record<string, unknown> & { level: number; msg: string }>;
  errors(): Array<Record<string, unknown> & { level: number; msg: string }>;
}

/** A real pino logger writing into memory (level numbers: 40 warn, 50 error). */
export function captureLogger(): CapturedLogger {
  const lines: CapturedLogger["lines"] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines, errors: () => lines.filter((line) => line.level >= 50) };
}

export function project(id: string, overrides: Partial<ProjectRecord> = {}): ProjectRecord {
  return {
    id,
    path: `/srv/${id}`,
    name: id,
    state: "idle",
    stateReason: null,
    runtime: "shell",
    createdAt: T0,
    lastActivity: T0,
    ...overrides,
  };
}

export function session(id: string, projectId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    projectId,
    runtime: "shell",
    state: "stopped",
    stateReason: null,
    tmuxTarget: "",
    pid: 0,
    currentWorkId: null,
    agentSessionId: `agent-${id}`,
    createdAt: T0,
    startedAt: null,
    lastActivity: T0,
    ...overrides,
  };
}

export function workItem(id: string, projectId: string, overrides: Partial<WorkItemRecord> = {}): WorkItemRecord {
  return {
    id,
    projectId,
    content: `content of ${id}`,
    state: "queued",
    priority: "medium",
    dependsOn: [],
    result: null,
    error: null,
    stateReason: null,
    blockedByEventId: null,
    attempts: 0,
    createdAt: T0,
    startedAt: null,
    completedAt: null,
    ...overrides,
  };
}

export function event(id: string, projectId: string, overrides: Partial<EventRecord> = {}): EventRecord {
  return {
    id,
    projectId,
    type: "decision_needed",
    priority: "high",
    status: "pending",
    title: `title of ${id}`,
    content: `content of ${id}`,
    options: ["yes", "no"],
    resolution: null,
    sessionId: null,
    workId: null,
    context: {},
    createdAt: T0,
    resolvedAt: null,
    ...overrides,
  };
}

export function inboxMessage(id: string, projectId: string, overrides: Partial<InboxMessageRecord> = {}): InboxMessageRecord {
  return {
    id,
    projectId,
    content: `message ${id}`,
    priority: "normal",
    state: "pending",
    role: "user",
    sessionId: null,
    createdAt: T0,
    deliveredAt: null,
    ...overrides,
  };
}

/** A transaction that writes one record (the way a domain rule would), not yet committed. */
export function putTx<C extends CollectionName>(state: CommanderState, collection: C, record: { id: string }): StateTransaction {
  const tx = new StateTransaction(state, T0);
  tx.put(collection, record as never);
  return tx;
}

/** Builds the text of a snapshot file the way the store writes it. */
export function snapshotText(collection: CollectionName, records: unknown[], extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ schema_version: SCHEMA_VERSION, saved_at: T0, journal_seq: 0, [collection]: records, ...extra })}\n`;
}

export function journalText(entries: Array<{ seq: number; ops: Array<[CollectionName, string, unknown]> }>): string {
  return entries.map((entry) => encodeJournalLine(JSON.stringify(entry))).join("");
}

export async function writeRaw(path: string, text: string): Promise<void> {
  const handle = await open(path, "w", 0o600);
  await handle.writeFile(text);
  await handle.close();
}

export function snapshotPath(directory: string, collection: CollectionName): string {
  return join(directory, SNAPSHOT_FILES[collection]);
}

export async function listDir(directory: string): Promise<string[]> {
  return (await readdir(directory)).sort();
}

/**
 * Counts the fsyncs of journal appends: every `FileHandle#datasync` in this process while `run` runs.
 * (The journal is the only user of datasync; snapshots use a full fsync.)
 */
export async function countDatasyncs<T>(run: () => Promise<T>): Promise<{ result: T; count: number }> {
  const probe = await open(join(tmpdir(), `commander-probe-${process.pid}`), "w");
  const proto = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
  await probe.close();
  await rm(join(tmpdir(), `commander-probe-${process.pid}`), { force: true });
  const original = proto.datasync;
  let count = 0;
  proto.datasync = function (this: unknown) {
    count++;
    return original.call(this);
  };
  try {
    return { result: await run(), count };
  } finally {
    proto.datasync = original;
  }
}

/** Replaces a FileHandle method for the duration of `run` (fault injection for failure paths). */
export async function withFileHandleMethod<T>(
  name: "datasync" | "write" | "sync",
  replacement: (original: (...args: unknown[]) => Promise<unknown>) => (this: unknown, ...args: unknown[]) => Promise<unknown>,
  run: () => Promise<T>,
): Promise<T> {
  const probePath = join(tmpdir(), `commander-probe-${process.pid}-${name}`);
  const probe = await open(probePath, "w");
  const proto = Object.getPrototypeOf(probe) as Record<string, (...args: unknown[]) => Promise<unknown>>;
  await probe.close();
  await rm(probePath, { force: true });
  const original = proto[name];
  proto[name] = replacement(original);
  try {
    return await run();
  } finally {
    proto[name] = original;
  }
}

export interface SmallDisk {
  /** The mount point; use a folder inside it as the state directory (the ballast file sits beside it). */
  mountPoint: string;
  /** Fills the file system, leaving about `leaveBytes` free. */
  fill(leaveBytes?: number): Promise<void>;
  /** Frees what `fill` took. */
  free(): Promise<void>;
  release(): Promise<void>;
}

/**
 * Mounts a tiny tmpfs (root only) so a full disk is real, not simulated. Where mounting is not permitted
 * it returns the reason instead; callers then say so rather than pass.
 */
export async function mountSmallDisk(sizeKb = 256): Promise<SmallDisk | { unavailable: string }> {
  const mountPoint = await tempDir("commander-small-disk-");
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k,mode=0700`, "tmpfs", mountPoint], { stdio: "pipe" });
  } catch (error) {
    await rm(mountPoint, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return { unavailable: `cannot mount a tmpfs here (${stderr || (error as Error).message})` };
  }
  const ballast = join(mountPoint, "ballast");
  return {
    mountPoint,
    async fill(leaveBytes = 0) {
      const handle = await open(ballast, "a");
      try {
        const chunk = Buffer.alloc(4096, 120);
        for (;;) {
          const { bytesWritten } = await handle.write(chunk, 0, chunk.length, null);
          if (bytesWritten < chunk.length) break;
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
      }
      const size = (await handle.stat()).size;
      await handle.truncate(Math.max(0, size - leaveBytes));
      await handle.close();
    },
    async free() {
      await rm(ballast, { force: true });
    },
    async release() {
      // Lazily when a failed test left a file open: the mount disappears now, the memory once it closes.
      try {
        execFileSync("umount", [mountPoint], { stdio: "pipe" });
      } catch {
        execFileSync("umount", ["-l", mountPoint], { stdio: "pipe" });
      }
      await rm(mountPoint, { recursive: true, force: true });
    },
  };
}

export async function ensureDir(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  return path;
}

/**
 * Makes a directory read-only even for root (`chattr +i`): nothing can be created, renamed or removed in
 * it, while files already open stay writable, as with a state directory made read-only under a running
 * daemon. Where the file system or the user cannot do it, returns the reason instead.
 */
export function makeDirectoryReadOnly(directory: string): { restore(): void } | { unavailable: string } {
  try {
    execFileSync("chattr", ["+i", directory], { stdio: "pipe" });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return { unavailable: `cannot make a directory immutable here (${stderr || (error as Error).message})` };
  }
  return { restore: () => execFileSync("chattr", ["-i", directory], { stdio: "pipe" }) };
}
