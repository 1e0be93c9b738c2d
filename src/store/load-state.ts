import { constants } from "node:fs";
import { copyFile, lstat, readdir, readFile, rename, truncate, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { COLLECTION_NAMES, CommanderState, type CollectionName } from "../domain/commander-state.js";
import { TEMPORARY_FILE_PATTERN, writeFileDurably } from "./durable-file.js";
import { decodeJournalLine } from "./journal.js";
import { recordKey, shapeProblem } from "./record-shapes.js";
import {
  JOURNAL_FILE,
  PREVIOUS_JOURNAL_FILE,
  quarantineName,
  SCHEMA_VERSION,
  SNAPSHOT_FILES,
  type StoreProblem,
} from "./state-files.js";

export interface LoadedState {
  state: CommanderState;
  journalSeq: number;
  problems: StoreProblem[];
  /** True when the directory could not be read: writing would risk overwriting data never loaded. */
  unreadable: boolean;
}

interface Snapshot {
  seq: number;
  records: unknown[];
  lastChangeSeq: number;
}

type JournalOp = [CollectionName, string, unknown];

/**
 * Reads the snapshots, then replays the journals on top. A damaged snapshot is moved aside and its
 * `.bak` generation restored instead; a damaged record is skipped; a torn last journal line (a write cut
 * short by a crash, never acknowledged) is cut off. Every damage is reported as a problem, and nothing
 * damaged is deleted or overwritten: it is kept as `NAME.corrupt-<timestamp>`.
 */
export async function loadState(directory: string, logger: Logger, now: () => Date): Promise<LoadedState> {
  const state = new CommanderState();
  const problems: StoreProblem[] = [];
  let unreadable = false;
  const snapshotSeq = {} as Record<CollectionName, number>;

  const report = (code: string, message: string, details: Record<string, unknown>) => {
    problems.push({ code, message });
    logger.error({ ...details, problem: code }, message);
  };
  // Where a damaged file could not be kept aside, writing could overwrite it: the store then refuses.
  const keptAs = (kept: { name: string } | { error: string }): string => {
    if ("name" in kept) return kept.name;
    unreadable = true;
    return `nowhere (${kept.error}; the daemon will not write state until this is fixed)`;
  };

  await removeTemporaryFiles(directory, logger);

  for (const collection of COLLECTION_NAMES) {
    const file = SNAPSHOT_FILES[collection];
    const path = join(directory, file);
    let snapshot: Snapshot;
    let source = file;
    const primary = await readSnapshot(path, collection);
    if (primary.kind === "missing") snapshot = { seq: 0, records: [], lastChangeSeq: 0 };
    else if (primary.kind === "unreadable") {
      unreadable = true;
      report("STATE_UNREADABLE", `cannot read ${path}: ${primary.problem}; the daemon will not write state until this is fixed`, { file: path });
      snapshot = { seq: 0, records: [], lastChangeSeq: 0 };
    } else if (primary.kind === "damaged") {
      const moved = await quarantine(directory, file, now(), "move");
      const aside = keptAs(moved);
      const backup = await readSnapshot(`${path}.bak`, collection);
      if (backup.kind === "ok") {
        snapshot = backup.snapshot;
        source = `${file}.bak`;
        // Put the good generation back in place, so the start-up snapshot keeps it as the next `.bak`.
        if ("name" in moved) {
          await writeFileDurably(path, backup.text).catch((error: unknown) =>
            logger.warn({ err: error, file: path }, "could not put the .bak generation back in place"),
          );
        }
        report("STATE_FILE_RECOVERED", `${file} was damaged (${primary.problem}); moved it to ${aside} and restored ${file}.bak`, { file: path });
      } else {
        snapshot = { seq: 0, records: [], lastChangeSeq: 0 };
        let backupNote = `no ${file}.bak exists`;
        if (backup.kind === "damaged" || backup.kind === "unreadable") {
          const backupAside = backup.kind === "damaged" ? keptAs(await quarantine(directory, `${file}.bak`, now(), "move")) : null;
          backupNote = `${file}.bak is not usable either (${backup.problem})${backupAside ? `; moved it to ${backupAside}` : ""}`;
        }
        report("STATE_FILE_LOST", `${file} was damaged (${primary.problem}) and no usable ${file}.bak exists: ${backupNote}; moved ${file} to ${aside} and started it empty (the journal is replayed on top)`, { file: path });
      }
    } else snapshot = primary.snapshot;

    const map = state.collections[collection] as Map<string, unknown>;
    const badRecords: string[] = [];
    snapshot.records.forEach((record, index) => {
      const problem = shapeProblem(collection, record);
      if (problem) badRecords.push(`record ${index}: ${problem}`);
      else map.set(recordKey(collection, record), record);
    });
    if (badRecords.length > 0) {
      const aside = keptAs(await quarantine(directory, source, now(), "copy"));
      report("STATE_RECORDS_SKIPPED", `${source}: skipped ${badRecords.length} damaged record(s) (${badRecords.slice(0, 3).join("; ")}); loaded the other ${map.size}; the file as it was is kept as ${aside}`, { file: join(directory, source) });
    }
    snapshotSeq[collection] = snapshot.seq;
    state.lastChangeSeq = Math.max(state.lastChangeSeq, snapshot.lastChangeSeq);
  }

  let journalSeq = Math.max(0, ...Object.values(snapshotSeq));
  for (const file of [PREVIOUS_JOURNAL_FILE, JOURNAL_FILE]) {
    const path = join(directory, file);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      unreadable = true;
      report("STATE_UNREADABLE", `cannot read ${path}: ${(error as Error).message}`, { file: path });
      continue;
    }
    // Every entry ends with a newline once it is written in full. In the live journal, an unterminated
    // last line, or a damaged one at the very end, is the write a crash interrupted: it was never
    // acknowledged, so it is cut off (even where its checksum happens to match, since the next append
    // would otherwise continue that line and damage both).
    const lines = text.split("\n");
    const tail = lines.pop()!;
    let entries = lines.map((line) => {
      const json = decodeJournalLine(line);
      return { line, entry: json === null ? null : parseJournalEntry(json) };
    });
    if (file === JOURNAL_FILE) {
      const tornLast = tail === "" && entries.length > 0 && entries[entries.length - 1].entry === null;
      if (tail !== "" || tornLast) {
        if (tornLast) entries = entries.slice(0, -1);
        const keepBytes = entries.reduce((bytes, { line }) => bytes + Buffer.byteLength(line, "utf8") + 1, 0);
        logger.warn({ file: path, keptBytes: keepBytes, droppedBytes: Buffer.byteLength(text, "utf8") - keepBytes }, "dropped an incomplete last journal entry");
        await truncate(path, keepBytes).catch((error: unknown) => logger.warn({ err: error, file: path }, "could not cut off the incomplete entry"));
      }
    } else if (tail !== "") entries.push({ line: tail, entry: null });

    const damagedLines: number[] = [];
    entries.forEach(({ entry }, index) => {
      if (entry === null) {
        damagedLines.push(index + 1);
        return;
      }
      journalSeq = Math.max(journalSeq, entry.seq);
      for (const [collection, id, record] of entry.ops) {
        if (entry.seq <= snapshotSeq[collection]) continue;
        const map = state.collections[collection] as Map<string, unknown>;
        if (record === null) map.delete(id);
        else if (shapeProblem(collection, record) === null) map.set(id, record);
      }
    });
    if (damagedLines.length > 0) {
      const aside = keptAs(await quarantine(directory, file, now(), "copy"));
      const which = damagedLines.length === 1 ? `line ${damagedLines[0]}` : `lines ${damagedLines.slice(0, 10).join(", ")}${damagedLines.length > 10 ? ", ..." : ""}`;
      report("JOURNAL_ENTRY_SKIPPED", `${file}: ${damagedLines.length} damaged entr${damagedLines.length === 1 ? "y" : "ies"} (${which}) skipped; the ${entries.length - damagedLines.length} others were applied; a copy of the file is kept as ${aside}`, { file: path });
    }
  }

  for (const change of state.changes.values()) state.lastChangeSeq = Math.max(state.lastChangeSeq, change.seq);
  state.rebuildIndexes();
  return { state, journalSeq, problems, unreadable };
}

/**
 * Keeps a damaged file as `NAME.corrupt-<timestamp>` (moved, or copied when the original stays in use),
 * under a name no other file has: an earlier quarantined file is never overwritten. Returns an error when
 * the file could not be kept (the caller then refuses to write, so the damaged file is not lost either).
 */
async function quarantine(directory: string, file: string, time: Date, how: "move" | "copy"): Promise<{ name: string } | { error: string }> {
  const base = quarantineName(file, time);
  for (let attempt = 1; attempt < 100; attempt++) {
    const name = attempt === 1 ? base : `${base}-${attempt}`;
    try {
      if (how === "copy") await copyFile(join(directory, file), join(directory, name), constants.COPYFILE_EXCL);
      else if (await exists(join(directory, name))) continue;
      else await rename(join(directory, file), join(directory, name));
      return { name };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") return { error: `could not keep it as ${name}: ${(error as Error).message}` };
    }
  }
  return { error: `could not keep it as ${base}: too many files of that name` };
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

// An atomic write interrupted by a crash leaves its temporary file; the real file is untouched.
async function removeTemporaryFiles(directory: string, logger: Logger): Promise<void> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return;
  }
  for (const name of names.filter((entry) => TEMPORARY_FILE_PATTERN.test(entry))) {
    await unlink(join(directory, name)).then(
      () => logger.info({ file: join(directory, name) }, "removed the temporary file of an interrupted write"),
      () => undefined,
    );
  }
}

type SnapshotRead =
  | { kind: "ok"; snapshot: Snapshot; text: string }
  | { kind: "missing" }
  | { kind: "unreadable"; problem: string }
  | { kind: "damaged"; problem: string };

async function readSnapshot(path: string, collection: CollectionName): Promise<SnapshotRead> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "missing" };
    return { kind: "unreadable", problem: (error as Error).message };
  }
  if (text.trim() === "") return { kind: "damaged", problem: "the file is empty" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { kind: "damaged", problem: `invalid JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { kind: "damaged", problem: "not a JSON object" };
  }
  const document = parsed as Record<string, unknown>;
  if (document.schema_version !== SCHEMA_VERSION) {
    return { kind: "damaged", problem: `schema_version is ${JSON.stringify(document.schema_version)}, expected ${SCHEMA_VERSION}` };
  }
  const records = document[collection];
  if (!Array.isArray(records)) return { kind: "damaged", problem: `"${collection}" is not a list` };
  const seq = typeof document.journal_seq === "number" ? document.journal_seq : 0;
  const lastChangeSeq = typeof document.last_change_seq === "number" ? document.last_change_seq : 0;
  return { kind: "ok", snapshot: { seq, records, lastChangeSeq }, text };
}

function parseJournalEntry(json: string): { seq: number; ops: JournalOp[] } | null {
  try {
    const entry = JSON.parse(json) as { seq?: unknown; ops?: unknown };
    if (typeof entry.seq !== "number" || !Array.isArray(entry.ops)) return null;
    const valid = entry.ops.every(
      (op) =>
        Array.isArray(op) &&
        op.length === 3 &&
        (COLLECTION_NAMES as readonly string[]).includes(op[0]) &&
        typeof op[1] === "string",
    );
    return valid ? (entry as { seq: number; ops: JournalOp[] }) : null;
  } catch {
    return null;
  }
}
