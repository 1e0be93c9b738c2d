import { chmod, link, mkdir, open, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { COLLECTION_NAMES, type CommanderState, type StateTransaction } from "../domain/commander-state.js";
import { CommanderError } from "../domain/commander-error.js";
import { fsyncDirectory, writeFileDurably } from "./durable-file.js";
import { encodeJournalLine, JournalWriter } from "./journal.js";
import { loadState } from "./load-state.js";
import { snapshotText } from "./snapshot-text.js";
import { JOURNAL_FILE, PREVIOUS_JOURNAL_FILE, SCHEMA_VERSION, SNAPSHOT_FILES, type StoreProblem } from "./state-files.js";

export interface StateStoreOptions {
  directory: string;
  logger: Logger;
  now?: () => Date;
  /**
   * Journal size that triggers a snapshot of every collection; when the snapshot files are bigger, the
   * journal first grows to their size, so writing them costs no more bytes than the writes that led there.
   */
  compactAfterBytes?: number;
  /** Writes the snapshots this often when something changed (`save_interval`); none when unset. */
  saveIntervalMs?: number;
  /** After a failed snapshot, the shortest time before a refused write tries one again. */
  snapshotRetryMs?: number;
  onProblem?: (problem: StoreProblem) => void;
}

export interface StateStore {
  readonly state: CommanderState;
  readonly loadProblems: StoreProblem[];
  /** Makes the transaction durable; on failure rolls it back (and every later one) and throws UNAVAILABLE. */
  commit(tx: StateTransaction): Promise<void>;
  /** Writes every collection's snapshot and starts a new journal. */
  compact(): Promise<void>;
  close(): Promise<void>;
}

let linkCount = 0;

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
}

async function snapshotFilesSize(directory: string): Promise<number> {
  let total = 0;
  // Only a pace for compaction: a file that cannot be looked at counts as empty.
  for (const file of Object.values(SNAPSHOT_FILES)) total += await fileSize(join(directory, file)).catch(() => 0);
  return total;
}

async function readFrom(path: string, offset: number): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const size = (await handle.stat()).size;
    const data = Buffer.alloc(Math.max(0, size - offset));
    for (let done = 0; done < data.length; ) {
      const { bytesRead } = await handle.read(data, done, data.length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return data;
  } finally {
    await handle.close();
  }
}

async function writeSynced(path: string, data: Buffer): Promise<void> {
  const handle = await open(path, "wx", 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw error;
  }
  await handle.close();
}

interface QueuedCommit {
  seq: number;
  tx: StateTransaction;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Durable state: every transaction is appended to a journal and fsynced before its caller hears of it;
 * commits that arrive while a write is in flight are grouped into the next single write. Snapshots
 * (`projects.json`, ...) are written atomically every `saveIntervalMs` when something changed, when the
 * journal grows, at shutdown and on demand, each keeping the previous generation as `.bak`. Journal writes
 * go on while the snapshot files are written; only the journal's rotation at the end waits for them.
 *
 * A snapshot that fails (read-only or full directory) stops all writes with STATE_UNWRITABLE until one
 * succeeds again: the journal alone would keep answers durable, but the files an operator reads would fall
 * further behind without any sign. Retries are paced (`snapshotRetryMs`, and each save interval), so a
 * failing directory never costs a full snapshot per write.
 */
export async function openStateStore(options: StateStoreOptions): Promise<StateStore> {
  const { directory, logger } = options;
  const now = options.now ?? (() => new Date());
  const compactAfterBytes = options.compactAfterBytes ?? 16 * 1024 * 1024;
  const snapshotRetryMs = options.snapshotRetryMs ?? Math.min(options.saveIntervalMs ?? 5000, 5000);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await chmod(directory, 0o700).catch(() => undefined);

  const loaded = await loadState(directory, logger, now);
  const { state } = loaded;
  let seq = loaded.journalSeq;
  let durableSeq = seq;
  // The newest change sequence on disk: a snapshot records it so numbering never goes back after pruning.
  let durableChangeSeq = state.lastChangeSeq;
  let writer: JournalWriter | null = null;
  let writeBlockedReason: string | null = loaded.unreadable ? "the state directory could not be read at start-up" : null;
  const queue: QueuedCommit[] = [];
  let pumping: Promise<void> | null = null;
  let compactionWaiters: Array<{ resolve(): void; reject(error: unknown): void }> = [];
  // What the snapshot files on disk hold, and why the last snapshot failed (writes are refused meanwhile).
  let snapshotSeqOnDisk = loaded.oldestSnapshotSeq;
  let snapshotFailure: CommanderError | null = null;
  let snapshotting: Promise<void> | null = null;
  let rotation: { capturedBytes: number; journalSeq: number; waiters: Array<{ resolve(): void; reject(error: unknown): void }> } | null = null;
  let nextSnapshotRetry = 0;
  let closed = false;
  // The snapshot files' total size: a large state is snapshotted only once the journal has grown as much.
  let snapshotBytes = await snapshotFilesSize(directory);

  async function ensureWriter(): Promise<JournalWriter> {
    if (writeBlockedReason) throw new Error(writeBlockedReason);
    writer ??= await JournalWriter.open(join(directory, JOURNAL_FILE));
    return writer;
  }

  function unwritable(error: unknown): CommanderError {
    // Without the numbered temporary file names, so that the same cause reads the same every time.
    const detail = (error instanceof Error ? error.message : String(error)).replace(/\.tmp-\d+-\d+/g, ".tmp");
    const problem = { code: "STATE_UNWRITABLE", message: `state could not be written to ${directory}: ${detail}` };
    options.onProblem?.(problem);
    return new CommanderError("STATE_UNWRITABLE", `${problem.message}; nothing was changed`, { state_dir: directory });
  }

  async function writeBatch(): Promise<void> {
    const batch = queue.splice(0);
    try {
      const journal = await ensureWriter();
      await journal.appendDurably(
        batch.map((entry) =>
          encodeJournalLine(
            JSON.stringify({ seq: entry.seq, ops: entry.tx.ops.map((op) => [op.collection, op.id, op.record]) }),
          ),
        ),
      );
      durableSeq = batch[batch.length - 1].seq;
      for (const entry of batch) for (const change of entry.tx.changes) durableChangeSeq = Math.max(durableChangeSeq, change.seq);
      for (const entry of batch) entry.resolve();
    } catch (error) {
      // Later transactions were built on top of these in memory, so they fail with them, newest first.
      const failed = [...batch, ...queue.splice(0)];
      for (let index = failed.length - 1; index >= 0; index--) failed[index].tx.rollback();
      // Their numbers are given again: the journal's sequence has no hole unless something was lost.
      seq = durableSeq;
      const reason = unwritable(error);
      logger.error({ err: error, transactions: failed.length }, "state write failed");
      for (const entry of failed) entry.reject(reason);
    }
  }

  // The pump does, one at a time: journal writes, the start of a snapshot (what it holds is taken at once)
  // and the end of one (the journal's rotation). The snapshot files themselves are written in between, while
  // journal writes go on.
  const hasWork = () => queue.length > 0 || rotation !== null || (compactionWaiters.length > 0 && !snapshotting);
  function kick(): void {
    // Only with work to do: a run that awaits nothing would end (pumping = null) before it is assigned.
    if (pumping || !hasWork()) return;
    pumping = (async () => {
      try {
        while (hasWork()) {
          if (queue.length > 0) await writeBatch();
          if (rotation) await finishSnapshot();
          const wanted = compactionWaiters.length > 0 || ((writer?.size ?? 0) > Math.max(compactAfterBytes, snapshotBytes) && !snapshotFailure);
          if (wanted && !snapshotting && !rotation) await startSnapshot();
        }
      } finally {
        pumping = null;
      }
    })();
  }

  // The snapshot must hold only what is durable: transactions still queued are in memory already, so
  // their records are replaced by the values they had before (their before-images).
  function committedRecords(collection: (typeof COLLECTION_NAMES)[number]): unknown[] {
    const map = state.collections[collection] as Map<string, unknown>;
    const overrides = new Map<string, unknown>();
    for (const entry of queue) {
      for (const op of entry.tx.ops) {
        if (op.collection === collection && !overrides.has(op.id)) overrides.set(op.id, op.before);
      }
    }
    if (overrides.size === 0) return [...map.values()];
    const records: unknown[] = [];
    for (const [id, record] of map) {
      if (!overrides.has(id)) records.push(record);
      else if (overrides.get(id) !== null) records.push(overrides.get(id));
    }
    for (const [id, before] of overrides) if (!map.has(id) && before !== null) records.push(before);
    return records;
  }

  // Takes what the snapshot holds (the durable state, at durableSeq) and where the journal stands, then
  // writes the files in the background.
  async function startSnapshot(): Promise<void> {
    const waiters = compactionWaiters;
    compactionWaiters = [];
    if (writeBlockedReason) {
      const reason = unwritable(new Error(writeBlockedReason));
      for (const waiter of waiters) waiter.reject(reason);
      return;
    }
    // The journal bytes written up to now hold exactly the entries up to durableSeq.
    let capturedBytes: number;
    try {
      capturedBytes = writer ? writer.size : await fileSize(join(directory, JOURNAL_FILE));
    } catch (error) {
      snapshotFailed(error, waiters);
      return;
    }
    const journalSeq = durableSeq;
    const savedAt = now().toISOString();
    // Only the records are taken now (they are immutable); their JSON is made slice by slice as the files
    // are written, so commits go on being acknowledged during a snapshot of a large state.
    const documents = COLLECTION_NAMES.map((collection) => ({
      collection,
      header: {
        schema_version: SCHEMA_VERSION,
        saved_at: savedAt,
        journal_seq: journalSeq,
        ...(collection === "changes" ? { last_change_seq: durableChangeSeq } : {}),
      },
      records: committedRecords(collection),
    }));
    snapshotting = (async () => {
      try {
        for (const { collection, header, records } of documents) {
          const path = join(directory, SNAPSHOT_FILES[collection]);
          await keepPreviousGeneration(path);
          await writeFileDurably(path, snapshotText(header, collection, records));
        }
        snapshotBytes = await snapshotFilesSize(directory);
        rotation = { capturedBytes, journalSeq, waiters };
      } catch (error) {
        snapshotFailed(error, waiters);
      } finally {
        snapshotting = null;
        kick();
      }
    })();
  }

  // journal.prev gets what lies between the `.bak` generation and the new snapshots (the journal as it
  // was when the snapshot was taken); entries written since then stay in the journal.
  async function finishSnapshot(): Promise<void> {
    const { capturedBytes, journalSeq, waiters } = rotation!;
    rotation = null;
    try {
      await writer?.close();
      writer = null;
      const journalPath = join(directory, JOURNAL_FILE);
      const previousPath = join(directory, PREVIOUS_JOURNAL_FILE);
      const size = await fileSize(journalPath);
      if (capturedBytes === 0) {
        // Nothing lay between: `.bak` now has the new snapshots' content, and an older journal.prev is retired.
        await unlink(previousPath).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== "ENOENT") throw error;
        });
      } else if (size === capturedBytes) {
        await rename(journalPath, previousPath);
      } else {
        // Entries written during the snapshot move to a new journal. journal.prev keeps them as well (a
        // crash between the two renames then loses nothing); entries the snapshots hold are skipped on load.
        const later = await readFrom(journalPath, capturedBytes);
        const temporary = `${journalPath}.tmp-${process.pid}-${++linkCount}`;
        await writeSynced(temporary, later);
        try {
          await rename(journalPath, previousPath);
          await rename(temporary, journalPath);
        } catch (error) {
          await unlink(temporary).catch(() => undefined);
          throw error;
        }
      }
      await fsyncDirectory(directory);
      snapshotSeqOnDisk = journalSeq;
      logger.debug({ journalSeq }, "state snapshot written");
      if (snapshotFailure) logger.info({ directory }, "state snapshots are written again: writes are accepted");
      snapshotFailure = null;
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      snapshotFailed(error, waiters);
    }
  }

  function snapshotFailed(error: unknown, waiters: Array<{ reject(error: unknown): void }>): void {
    if (!writeBlockedReason) {
      logger.error({ err: error, directory }, snapshotFailure ? "state snapshot failed again: writes stay refused" : "state snapshot failed: writes are refused until a snapshot succeeds");
      snapshotFailure = unwritable(error);
      nextSnapshotRetry = Date.now() + snapshotRetryMs;
    }
    const reason = snapshotFailure ?? unwritable(error);
    for (const waiter of waiters) waiter.reject(reason);
  }

  // The current file becomes `.bak` (by a hard link renamed over the old one, so a crash leaves one or
  // the other). Where the current file is missing, the old `.bak` is kept: it may hold what nothing else does.
  async function keepPreviousGeneration(path: string): Promise<void> {
    const temporary = `${path}.bak.tmp-${process.pid}-${++linkCount}`;
    try {
      await link(path, temporary);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    try {
      await rename(temporary, `${path}.bak`);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
  }

  const store: StateStore = {
    state,
    loadProblems: loaded.problems,
    commit(tx) {
      if (tx.isEmpty) return Promise.resolve();
      if (snapshotFailure) {
        tx.rollback();
        retrySnapshotSoon();
        return Promise.reject(snapshotFailure);
      }
      return new Promise<void>((resolve, reject) => {
        queue.push({ seq: ++seq, tx, resolve, reject });
        kick();
      });
    },
    compact() {
      return new Promise<void>((resolve, reject) => {
        compactionWaiters.push({ resolve, reject });
        kick();
      });
    },
    async close() {
      closed = true;
      if (saveTimer) clearInterval(saveTimer);
      while (pumping || snapshotting) await (pumping ?? snapshotting);
      await writer?.close();
      writer = null;
    },
  };

  // A refused write tries a snapshot in the background, at most once per snapshotRetryMs.
  function retrySnapshotSoon(): void {
    if (closed || Date.now() < nextSnapshotRetry) return;
    nextSnapshotRetry = Date.now() + snapshotRetryMs;
    store.compact().catch(() => undefined);
  }

  let periodicSnapshotRunning = false;
  const saveTimer = options.saveIntervalMs
    ? setInterval(() => {
        if (closed || periodicSnapshotRunning || (durableSeq === snapshotSeqOnDisk && !snapshotFailure)) return;
        periodicSnapshotRunning = true;
        store
          .compact()
          .catch(() => undefined)
          .finally(() => (periodicSnapshotRunning = false));
      }, options.saveIntervalMs)
    : null;
  saveTimer?.unref();

  // Damage found at start-up is repaired at once (the damaged files are kept aside as .corrupt copies).
  // Twice: the first snapshot holds everything that loaded; the second makes that the `.bak` generation
  // too and retires the damaged journal, so the same damage is not reported again at the next start.
  if (loaded.problems.length > 0 && !loaded.unreadable) {
    await store.compact().then(() => store.compact()).catch(() => undefined);
  }
  return store;
}
