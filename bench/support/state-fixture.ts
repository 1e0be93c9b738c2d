import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { EventRecord, ProjectRecord, WorkItemRecord } from "../../src/domain/records.js";

// Writes a state directory directly, in the snapshot format the daemon loads (`work.json`, ...; see
// src/store/load-state.ts and src/store/record-shapes.ts), so a daemon can start on 100,000 stored items
// without 100,000 API calls first. The history looks like a busy daemon's: finished work items with
// results, and closed events, spread over the last hours.

export interface FixtureOptions {
  /** Project ids and their (existing) directories. */
  projects: Array<{ id: string; path: string }>;
  /** Projects start paused: nothing they queue is dispatched to an agent. */
  paused: boolean;
  workItems: number;
  events: number;
}

const SCHEMA_VERSION = 1;

export async function writeStateFixture(stateDir: string, options: FixtureOptions): Promise<void> {
  const now = Date.now();
  const at = (index: number, total: number) => new Date(now - 6 * 3_600_000 + Math.floor((index / Math.max(1, total)) * 5.5 * 3_600_000)).toISOString();
  const projects: ProjectRecord[] = options.projects.map(({ id, path }) => ({
    id,
    path,
    name: id,
    state: options.paused ? "paused" : "idle",
    stateReason: null,
    runtime: "shell",
    createdAt: new Date(now - 7 * 3_600_000).toISOString(),
    lastActivity: new Date(now - 1000).toISOString(),
  }));
  const projectOf = (index: number) => options.projects[index % options.projects.length]!.id;
  const finished = ["completed", "completed", "completed", "completed", "completed", "completed", "completed", "failed", "cancelled", "completed"] as const;

  const work: WorkItemRecord[] = [];
  for (let index = 0; index < options.workItems; index++) {
    const created = at(index, options.workItems);
    const state = finished[index % finished.length]!;
    work.push({
      id: `work-${index.toString(16).padStart(12, "0")}`,
      projectId: projectOf(index),
      content: `Fix the failing test in module ${index % 211} and make sure the parser handles empty input (item ${index})`,
      state,
      priority: index % 7 === 0 ? "high" : "medium",
      dependsOn: [],
      result: state === "completed" ? `Done: the parser now returns an empty document for empty input; added two tests for module ${index % 211}. All 148 tests pass.` : null,
      error: state === "failed" ? "the agent exited unexpectedly (status 1); gave up after 3 attempts" : null,
      stateReason: state === "cancelled" ? "cancelled by the user" : null,
      blockedByEventId: null,
      attempts: 1,
      createdAt: created,
      startedAt: created,
      completedAt: created,
    });
  }

  const events: EventRecord[] = [];
  for (let index = 0; index < options.events; index++) {
    const created = at(index, options.events);
    const approval = index % 3 !== 2;
    events.push({
      id: `event-${index.toString(16).padStart(12, "0")}`,
      projectId: projectOf(index),
      type: approval ? "approval" : "task_complete",
      priority: approval ? "high" : "info",
      status: approval ? "resolved" : "dismissed",
      title: approval ? `Allow Bash: npm test -- --grep "module ${index % 211}"?` : `Work item ${index} completed`,
      content: approval ? `{\n  "command": "npm test -- --grep \\"module ${index % 211}\\""\n}` : "",
      options: approval ? ["allow", "deny"] : [],
      resolution: approval ? "allow" : null,
      sessionId: null,
      workId: options.workItems > 0 ? `work-${(index % options.workItems).toString(16).padStart(12, "0")}` : null,
      context: approval ? { source: "hook", tool_name: "Bash" } : { source: "daemon" },
      createdAt: created,
      resolvedAt: created,
    });
  }

  const savedAt = new Date(now).toISOString();
  const write = (file: string, collection: string, records: unknown[]) =>
    writeFile(join(stateDir, file), `${JSON.stringify({ schema_version: SCHEMA_VERSION, saved_at: savedAt, journal_seq: 0, [collection]: records })}\n`, { mode: 0o600 });
  await write("projects.json", "projects", projects);
  await write("work.json", "work", work);
  await write("events.json", "events", events);
}

/** Settings that keep a fixture's history (the defaults prune finished work and closed events beyond 10,000). */
export const KEEP_HISTORY_ENV: Record<string, string> = {
  COMMANDER_HISTORY_MAX_FINISHED_WORK: "10000000",
  COMMANDER_HISTORY_MAX_RESOLVED_EVENTS: "10000000",
  COMMANDER_MAX_QUEUED_PER_PROJECT: "1000000",
};
