import { constants } from "node:fs";
import { copyFile, lstat, readdir, readFile, rename, truncate, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { COLLECTION_NAMES, CommanderState, type CollectionName } from "../domain/commander-state.js";
import { TEMPORARY_FILE_PATTERN, writeFileDurably } from "./durable-file.js";
import { missingRanges, parseJournal, type ParsedJournal } from "./journal-lines.js";
import { recordKey, shapeProblem } from "./record-shapes.js";
import { restoreMissingProjects } from "./restore-missing-projects.js";
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
  /** The journal_seq of the oldest snapshot loaded (0 where a collection has none). */
  oldestSnapshotSeq: number;
  problems: StoreProblem[];
  /** True when the directory could not be read: writing would risk overwriting data never loaded. */
  unreadable: boolean;
}

interface Snapshot {
  seq: number;
  records: unknown[];
  lastChangeSeq: number;
}

/**
 * Reads the snapshots, then replays the journals on top. A damaged snapshot, or a missing one that the
 * other files say was written, is replaced by its `.bak` generation; a damaged record is skipped; a torn
 * last journal line (a single unterminated line: a write cut short by a crash, never acknowledged) is cut
 * off. Anything else is damage: a damaged journal line, a hole in the journal's sequence, journals that
 * stop short of the snapshots, records whose project is missing. Every damage is reported as a problem,
 * and nothing damaged is deleted or overwritten: it is kept as `NAME.corrupt-<timestamp>`.
 */
export async function loadState(directory: string, logger: Logger, now: () => Date): Promise<LoadedState> {
  const state = new CommanderState();
  const problems: StoreProblem[] = [];
  let unreadable = false;
  const snapshotSeq = {} as Record<CollectionName, number>;
  // Set by any damage that may have lost project records (then records whose project is gone are repaired).
  let projectsSuspect = false;

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

  const primaries = {} as Record<CollectionName, SnapshotRead>;
  for (const collection of COLLECTION_NAMES) primaries[collection] = await readSnapshot(join(directory, SNAPSHOT_FILES[collection]), collection);
  const previousJournalExists = await exists(join(directory, PREVIOUS_JOURNAL_FILE));

  // A `.bak` is made from an existing file, and journal.prev only once a snapshot has written every file:
  // a missing file that one of these says was written is damage, not an empty collection. (Other snapshots
  // alone prove nothing: a crash during the very first snapshot leaves some files not yet written. A file
  // missing after that, .bak and all, shows as entries missing from the journals, checked below.)
  const evidenceOfWriting = async (collection: CollectionName): Promise<string | null> => {
    const file = SNAPSHOT_FILES[collection];
    if (await exists(join(directory, `${file}.bak`))) return `${file}.bak exists`;
    return previousJournalExists ? `${PREVIOUS_JOURNAL_FILE} exists (only a completed snapshot makes it)` : null;
  };

  for (const collection of COLLECTION_NAMES) {
    const file = SNAPSHOT_FILES[collection];
    const path = join(directory, file);
    const problemsBefore = problems.length;
    let snapshot: Snapshot = { seq: 0, records: [], lastChangeSeq: 0 };
    let source = file;
    const primary = primaries[collection];
    const evidence = primary.kind === "missing" ? await evidenceOfWriting(collection) : null;
    if (primary.kind === "ok") snapshot = primary.snapshot;
    else if (primary.kind === "unreadable") {
      unreadable = true;
      report("STATE_UNREADABLE", `cannot read ${path}: ${primary.problem}; the daemon will not write state until this is fixed`, { file: path });
    } else if (primary.kind === "damaged" || evidence !== null) {
      const moved = primary.kind === "damaged" ? await quarantine(directory, file, now(), "move") : null;
      const aside = moved ? keptAs(moved) : null;
      const what = primary.kind === "damaged" ? `${file} was damaged (${primary.problem})` : `${file} is missing although ${evidence}`;
      const backup = await readSnapshot(`${path}.bak`, collection);
      if (backup.kind === "ok") {
        snapshot = backup.snapshot;
        source = `${file}.bak`;
        // Put the good generation back in place, so the start-up snapshot keeps it as the next `.bak`.
        if (moved === null || "name" in moved) {
          await writeFileDurably(path, backup.text).catch((error: unknown) =>
            logger.warn({ err: error, file: path }, "could not put the .bak generation back in place"),
          );
        }
        if (primary.kind === "damaged") report("STATE_FILE_RECOVERED", `${what}; moved it to ${aside} and restored ${file}.bak`, { file: path });
        else report("STATE_FILE_MISSING", `${what}; restored ${file}.bak (journal_seq ${backup.snapshot.seq}) in its place and replayed the journals on top`, { file: path });
      } else {
        let backupNote = `no ${file}.bak exists`;
        if (backup.kind === "unreadable") unreadable = true;
        if (backup.kind === "damaged" || backup.kind === "unreadable") {
          const backupAside = backup.kind === "damaged" ? keptAs(await quarantine(directory, `${file}.bak`, now(), "move")) : null;
          backupNote = `${file}.bak is not usable either (${backup.problem})${backupAside ? `; moved it to ${backupAside}` : ""}`;
        }
        if (primary.kind === "damaged") {
          report("STATE_FILE_LOST", `${what} and no usable ${file}.bak exists: ${backupNote}; moved ${file} to ${aside} and started it empty (the journal is replayed on top)`, { file: path });
        } else {
          report("STATE_FILE_MISSING", `${what}; ${backupNote}; rebuilt it from the journals alone`, { file: path });
        }
      }
    }

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
    if (collection === "projects" && problems.length > problemsBefore) projectsSuspect = true;
    snapshotSeq[collection] = snapshot.seq;
    state.lastChangeSeq = Math.max(state.lastChangeSeq, snapshot.lastChangeSeq);
  }

  let journalSeq = Math.max(0, ...Object.values(snapshotSeq));
  const journalLines: ParsedJournal["lines"] = [];
  const journalFiles: string[] = [];
  const quarantinedJournals = new Map<string, string>();
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
    journalFiles.push(file);
    const { lines, tornTail } = parseJournal(text, file === JOURNAL_FILE);
    if (tornTail) {
      logger.warn({ file: path, keptBytes: tornTail.keepBytes, droppedBytes: tornTail.droppedBytes }, "dropped an incomplete last journal entry");
      await truncate(path, tornTail.keepBytes).catch((error: unknown) => logger.warn({ err: error, file: path }, "could not cut off the incomplete entry"));
    }

    const damagedLines: number[] = [];
    lines.forEach(({ entry }, index) => {
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
    journalLines.push(...lines);
    if (damagedLines.length > 0) {
      projectsSuspect = true;
      const aside = keptAs(await quarantine(directory, file, now(), "copy"));
      quarantinedJournals.set(file, aside);
      const which = damagedLines.length === 1 ? `line ${damagedLines[0]}` : `lines ${damagedLines.slice(0, 10).join(", ")}${damagedLines.length > 10 ? ", ..." : ""}`;
      report("JOURNAL_ENTRY_SKIPPED", `${file}: ${damagedLines.length} damaged entr${damagedLines.length === 1 ? "y" : "ies"} (${which}) skipped; the ${lines.length - damagedLines.length} others were applied; a copy of the file is kept as ${aside}`, { file: path });
    }
  }

  // Every transaction after the oldest snapshot must be in the journals, up to the newest snapshot or
  // entry: a hole is acknowledged changes lost (a journal cut short or cut in the middle).
  const oldestSnapshot = Math.min(...Object.values(snapshotSeq));
  const gaps = missingRanges(journalLines, oldestSnapshot, journalSeq);
  if (gaps.length > 0) {
    const lastMissing = gaps[gaps.length - 1][1];
    const affectedCollections = COLLECTION_NAMES.filter((collection) => snapshotSeq[collection] < lastMissing);
    if (affectedCollections.includes("projects")) projectsSuspect = true;
    const affected = affectedCollections.map((collection) => `${SNAPSHOT_FILES[collection]}${primaries[collection].kind === "missing" ? " (missing)" : ""}`);
    const kept: string[] = [];
    for (const file of journalFiles) {
      kept.push(quarantinedJournals.get(file) ?? keptAs(await quarantine(directory, file, now(), "copy")));
    }
    const ranges = gaps.slice(0, 5).map(([from, to]) => (from === to ? `${from}` : `${from}-${to}`)).join(", ") + (gaps.length > 5 ? ", ..." : "");
    const count = gaps.reduce((sum, [from, to]) => sum + to - from + 1, 0);
    const journalPath = join(directory, journalFiles.includes(JOURNAL_FILE) || journalFiles.length === 0 ? JOURNAL_FILE : PREVIOUS_JOURNAL_FILE);
    report(
      "JOURNAL_ENTRIES_MISSING",
      `the journals lack ${count} entr${count === 1 ? "y" : "ies"} (seq ${ranges}) that the snapshots (journal_seq up to ${journalSeq}) and the entries around them say were written: what they changed in ${affected.join(", ")} is lost; every entry that is there was applied; ${kept.length > 0 ? `copies of the journals are kept as ${kept.join(", ")}` : "no journal file exists"}`,
      { file: journalPath },
    );
  }

  // Only where project records may have been lost: elsewhere an orphan is none of the store's business.
  const restored = projectsSuspect ? restoreMissingProjects(state, now().toISOString()) : { fromChanges: [], placeholders: [] };
  if (restored.fromChanges.length > 0 || restored.placeholders.length > 0) {
    const parts = [
      restored.fromChanges.length > 0 ? `restored ${restored.fromChanges.join(", ")} as the change feed last showed them` : null,
      restored.placeholders.length > 0 ? `restored ${restored.placeholders.join(", ")} as paused placeholders (their folders are unknown)` : null,
    ].filter((part) => part !== null);
    report("STATE_PROJECTS_RESTORED", `sessions, work, events or messages belong to projects that ${SNAPSHOT_FILES.projects} no longer holds: ${parts.join("; ")}`, { file: join(directory, SNAPSHOT_FILES.projects) });
  }

  for (const change of state.changes.values()) state.lastChangeSeq = Math.max(state.lastChangeSeq, change.seq);
  state.rebuildIndexes();
  return { state, journalSeq, oldestSnapshotSeq: oldestSnapshot, problems, unreadable };
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
