import { COLLECTION_NAMES, type CollectionName } from "../domain/commander-state.js";
import { decodeJournalLine } from "./journal.js";

export type JournalOp = [CollectionName, string, unknown];

export interface JournalEntry {
  seq: number;
  ops: JournalOp[];
}

export interface ParsedJournal {
  /** Every complete line in file order: its entry, or null where the line is damaged. */
  lines: Array<{ text: string; entry: JournalEntry | null }>;
  /** Set when the last line is unterminated: the bytes to keep once that torn write is cut off. */
  tornTail: { keepBytes: number; droppedBytes: number } | null;
}

/**
 * Splits a journal into its lines. Every entry ends with a newline once it is written in full, so only a
 * single unterminated last line is a write a crash interrupted (never acknowledged: it is cut off, even
 * where its checksum happens to match, since the next append would otherwise continue that line). A
 * damaged line that does end in a newline, wherever it is, was once complete: that is damage.
 */
export function parseJournal(text: string, live: boolean): ParsedJournal {
  const pieces = text.split("\n");
  const tail = pieces.pop()!;
  const lines = pieces.map((line) => {
    const json = decodeJournalLine(line);
    return { text: line, entry: json === null ? null : parseJournalEntry(json) };
  });
  if (tail === "") return { lines, tornTail: null };
  if (!live) {
    // journal.prev was the live journal once, and was cut back at the start before it was rotated.
    lines.push({ text: tail, entry: null });
    return { lines, tornTail: null };
  }
  const keepBytes = Buffer.byteLength(text, "utf8") - Buffer.byteLength(tail, "utf8");
  return { lines, tornTail: { keepBytes, droppedBytes: Buffer.byteLength(tail, "utf8") } };
}

/**
 * The sequence numbers in `(from, to]` that no journal entry holds. Transactions are numbered one by one,
 * so entries after `from` must follow each other without a hole up to `to` (the newest snapshot or entry);
 * a hole exactly as long as the damaged lines in it is already explained by them and not counted again.
 */
export function missingRanges(lines: Array<{ entry: JournalEntry | null }>, from: number, to: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let cursor = from;
  let damagedSince = 0;
  for (const { entry } of lines) {
    if (entry === null) {
      damagedSince++;
      continue;
    }
    if (entry.seq <= cursor) {
      // Damaged lines among entries the snapshots already hold hide nothing.
      damagedSince = 0;
      continue;
    }
    if (entry.seq - cursor - 1 > damagedSince) ranges.push([cursor + 1, entry.seq - 1]);
    cursor = entry.seq;
    damagedSince = 0;
  }
  if (to - cursor > damagedSince) ranges.push([cursor + 1, to]);
  return ranges;
}

function parseJournalEntry(json: string): JournalEntry | null {
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
    return valid ? (entry as JournalEntry) : null;
  } catch {
    return null;
  }
}
