import { link, mkdir, rename, unlink, chmod } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { COLLECTION_NAMES, type CommanderState, type StateTransaction } from "../domain/commander-state.js";
import { CommanderError } from "../domain/error-catalogue.js";
import { fsyncDirectory, writeFileDurably } from "./durable-file.js";
import { encodeJournalLine, JournalWriter } from "./journal.js";
import { loadState } from "./load-state.js";
import { JOURNAL_FILE, PREVIOUS_JOURNAL_FILE, SCHEMA_VERSION, SNAPSHOT_FILES, type StoreProblem } from "./state-files.js";

export interface StateStoreOptions {
  directory: string;
  logger: Logger;
  now?: () => Date;
  /** Journal size that triggers a snapshot of every collection. */
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
 * journal grows, at shutdown and on demand, each keeping the previous generation as `.bak`.
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
  let nextSnapshotRetry = 0;
  let closed = false;

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

  function kick(): void {
    pumping ??= (async () => {
      try {
        while (queue.length > 0 || compactionWaiters.length > 0) {
          if (queue.length > 0) await writeBatch();
          const journalSize = writer?.size ?? 0;
          if (compactionWaiters.length > 0 || (journalSize > compactAfterBytes && !snapshotFailure)) await runCompaction();
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

  async function runCompaction(): Promise<void> {
    const waiters = compactionWaiters;
    compactionWaiters = [];
    try {
      if (writeBlockedReason) throw new Error(writeBlockedReason);
      const savedAt = now().toISOString();
      const documents = COLLECTION_NAMES.map((collection) => ({
        collection,
        text: `${JSON.stringify({
          schema_version: SCHEMA_VERSION,
          saved_at: savedAt,
          journal_seq: durableSeq,
          ...(collection === "changes" ? { last_change_seq: durableChangeSeq } : {}),
          [collection]: committedRecords(collection),
        })}\n`,
      }));
      for (const { collection, text } of documents) {
        const path = join(directory, SNAPSHOT_FILES[collection]);
        await keepPreviousGeneration(path);
        await writeFileDurably(path, text);
      }
      await writer?.close();
      writer = null;
      // journal.prev holds what lies between the `.bak` generation and the new snapshots. With no journal
      // to rotate, nothing does (`.bak` now has the same content), so an older journal.prev is retired.
      await rename(join(directory, JOURNAL_FILE), join(directory, PREVIOUS_JOURNAL_FILE)).catch(
        async (error: NodeJS.ErrnoException) => {
          if (error.code !== "ENOENT") throw error;
          await unlink(join(directory, PREVIOUS_JOURNAL_FILE)).catch((unlinkError: NodeJS.ErrnoException) => {
            if (unlinkError.code !== "ENOENT") throw unlinkError;
          });
        },
      );
      await fsyncDirectory(directory);
      snapshotSeqOnDisk = durableSeq;
      logger.debug({ journalSeq: durableSeq }, "state snapshot written");
      if (snapshotFailure) logger.info({ directory }, "state snapshots are written again: writes are accepted");
      snapshotFailure = null;
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      if (!writeBlockedReason) {
        logger.error({ err: error, directory }, snapshotFailure ? "state snapshot failed again: writes stay refused" : "state snapshot failed: writes are refused until a snapshot succeeds");
        snapshotFailure = unwritable(error);
        nextSnapshotRetry = Date.now() + snapshotRetryMs;
      }
      const reason = snapshotFailure ?? unwritable(error);
      for (const waiter of waiters) waiter.reject(reason);
    }
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
      while (pumping) await pumping;
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
