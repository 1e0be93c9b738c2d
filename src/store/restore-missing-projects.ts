import type { CommanderState } from "../domain/commander-state.js";
import type { ProjectRecord } from "../domain/records.js";
import { shapeProblem } from "./record-shapes.js";

export interface RestoredProjects {
  /** Projects whose last record was found in the change feed. */
  fromChanges: string[];
  /** Projects of which nothing but their id is known: restored paused, with a reason saying so. */
  placeholders: string[];
}

/**
 * Unregistering a project removes everything it owns, so a session, work item, event or message whose
 * project is missing means the project's record was lost (projects.json deleted or damaged with no usable
 * `.bak`). Rather than leave records whose project answers NOT_FOUND, the project is put back: as the
 * change feed last showed it where it still holds it, else as a paused placeholder that names the loss.
 */
export function restoreMissingProjects(state: CommanderState, now: string): RestoredProjects {
  const missing = new Set<string>();
  for (const collection of ["sessions", "work", "events", "inbox"] as const) {
    for (const record of state.collections[collection].values()) {
      if (!state.projects.has(record.projectId)) missing.add(record.projectId);
    }
  }
  const restored: RestoredProjects = { fromChanges: [], placeholders: [] };
  if (missing.size === 0) return restored;

  const lastSeen = new Map<string, { seq: number; record: ProjectRecord }>();
  for (const change of state.changes.values()) {
    if (change.subject.type !== "project" || !missing.has(change.subject.record.id)) continue;
    if (shapeProblem("projects", change.subject.record) !== null) continue;
    const seen = lastSeen.get(change.subject.record.id);
    if (!seen || seen.seq < change.seq) lastSeen.set(change.subject.record.id, { seq: change.seq, record: change.subject.record });
  }
  for (const id of [...missing].sort()) {
    const seen = lastSeen.get(id);
    if (seen) {
      state.projects.set(id, seen.record);
      restored.fromChanges.push(id);
      continue;
    }
    const runtime = [...state.sessions.values()].find((session) => session.projectId === id)?.runtime ?? "shell";
    state.projects.set(id, {
      id,
      path: "",
      name: id,
      // Paused: with its folder unknown, no agent may be started for it.
      state: "paused",
      stateReason: "restored after its record was lost from projects.json; its folder is unknown: unregister it and register the folder again",
      runtime,
      createdAt: now,
      lastActivity: now,
    });
    restored.placeholders.push(id);
  }
  return restored;
}
