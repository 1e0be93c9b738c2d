import { copyFile, readFile, rename, truncate } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { COLLECTION_NAMES, CommanderState, type CollectionName } from "../domain/commander-state.js";
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
 * `.bak` generation used instead; a damaged record is skipped; a torn last journal line (a write cut
 * short by a crash, never acknowledged) is cut off. Every damage is reported as a problem.
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

  for (const collection of COLLECTION_NAMES) {
    const file = SNAPSHOT_FILES[collection];
    const path = join(directory, file);
    let snapshot: Snapshot;
    const primary = await readSnapshot(path, collection);
    if (primary.kind === "missing") snapshot = { seq: 0, records: [], lastChangeSeq: 0 };
    else if (primary.kind === "unreadable") {
      unreadable = true;
      report("STATE_UNREADABLE", `cannot read ${path}: ${primary.problem}; the daemon will not write state until this is fixed`, { file: path });
      snapshot = { seq: 0, records: [], lastChangeSeq: 0 };
    } else if (primary.kind === "damaged") {
      const aside = quarantineName(file, now());
      await rename(path, join(directory, aside)).catch(() => undefined);
      const backup = await readSnapshot(`${path}.bak`, collection);
      if (backup.kind === "ok") {
        snapshot = backup.snapshot;
        report("STATE_FILE_RECOVERED", `${file} was damaged (${primary.problem}); moved it to ${aside} and restored ${file}.bak`, { file: path });
      } else {
        snapshot = { seq: 0, records: [], lastChangeSeq: 0 };
        report("STATE_FILE_LOST", `${file} was damaged (${primary.problem}) and no usable ${file}.bak exists; moved it to ${aside} and started it empty`, { file: path });
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
      const aside = quarantineName(file, now());
      await copyFile(path, join(directory, aside)).catch(() => undefined);
      report("STATE_RECORDS_SKIPPED", `${file}: skipped ${badRecords.length} damaged record(s) (${badRecords.slice(0, 3).join("; ")}); the original is kept as ${aside}`, { file: path });
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
    const lines = text.split("\n");
    const complete = text.endsWith("\n") ? lines.slice(0, -1) : lines;
    let goodBytes = 0;
    for (let index = 0; index < complete.length; index++) {
      const line = complete[index];
      const isLast = index === complete.length - 1;
      const json = decodeJournalLine(line);
      const entry = json === null ? null : parseJournalEntry(json);
      if (entry === null) {
        if (isLast && file === JOURNAL_FILE) {
          // A write cut short by a crash: it was never acknowledged, so dropping it loses nothing.
          logger.warn({ file: path, line: index + 1 }, "dropped an incomplete last journal entry");
          await truncate(path, goodBytes).catch(() => undefined);
          break;
        }
        const aside = quarantineName(file, now());
        await copyFile(path, join(directory, aside)).catch(() => undefined);
        report("JOURNAL_ENTRY_SKIPPED", `${file}: entry on line ${index + 1} is damaged and was skipped; a copy is kept as ${aside}`, { file: path });
      } else {
        journalSeq = Math.max(journalSeq, entry.seq);
        for (const [collection, id, record] of entry.ops) {
          if (entry.seq <= snapshotSeq[collection]) continue;
          const map = state.collections[collection] as Map<string, unknown>;
          if (record === null) map.delete(id);
          else if (shapeProblem(collection, record) === null) map.set(id, record);
        }
      }
      goodBytes += Buffer.byteLength(line, "utf8") + 1;
    }
    if (!text.endsWith("\n") && text.length > 0 && file === JOURNAL_FILE && goodBytes < Buffer.byteLength(text)) {
      await truncate(path, goodBytes).catch(() => undefined);
    }
  }

  for (const change of state.changes.values()) state.lastChangeSeq = Math.max(state.lastChangeSeq, change.seq);
  return { state, journalSeq, problems, unreadable };
}

type SnapshotRead =
  | { kind: "ok"; snapshot: Snapshot }
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
  return { kind: "ok", snapshot: { seq, records, lastChangeSeq } };
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
