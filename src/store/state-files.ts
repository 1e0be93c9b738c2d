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

export interface StoreProblem {
  code: string;
  message: string;
}

export function quarantineName(file: string, now: Date): string {
  return `${file}.corrupt-${now.toISOString().replace(/[:.]/g, "-")}`;
}
