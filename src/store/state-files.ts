import type { CollectionName } from "../domain/commander-state.js";

export const SCHEMA_VERSION = 1;

/** The snapshot file of each collection (the names the usage guide's troubleshooting section lists). */
export const SNAPSHOT_FILES: Record<CollectionName, string> = {
  projects: "projects.json",
  sessions: "sessions.json",
  work: "work.json",
  events: "events.json",
  inbox: "inbox.json",
  changes: "changes.json",
  outbox: "outbox.json",
  notification_targets: "notification-targets.json",
};

export const JOURNAL_FILE = "journal.jsonl";
/** The journal before the last snapshot: replayed on top of a `.bak` snapshot if the newest is damaged. */
export const PREVIOUS_JOURNAL_FILE = "journal.prev.jsonl";
export const LOCK_FILE = "daemon.lock";

/** Every problem code the store reports to health, with its meaning (docs/errors.md lists each). */
export const STORE_PROBLEM_CODES = {
  STATE_UNREADABLE: "a state file could not be read; every write is refused until it is fixed",
  STATE_FILE_RECOVERED: "a damaged snapshot was moved aside and its .bak restored",
  STATE_FILE_LOST: "a damaged snapshot had no usable .bak; the collection was rebuilt from the journals",
  STATE_FILE_MISSING: "a snapshot the other files say was written was missing; rebuilt from its .bak and the journals",
  STATE_RECORDS_SKIPPED: "damaged records of a snapshot were skipped",
  JOURNAL_ENTRY_SKIPPED: "damaged journal lines (other than a torn last line) were skipped",
  JOURNAL_ENTRIES_MISSING: "the journals lack entries the snapshots and the entries around them say were written",
  STATE_PROJECTS_RESTORED: "records whose project record was lost got their project back",
  STATE_UNWRITABLE: "a journal write or a snapshot failed",
} as const;

export interface StoreProblem {
  code: string;
  message: string;
}

export function quarantineName(file: string, now: Date): string {
  return `${file}.corrupt-${now.toISOString().replace(/[:.]/g, "-")}`;
}
