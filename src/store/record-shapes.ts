import type { CollectionName } from "../domain/commander-state.js";

// What a stored record must look like to be loaded. A record that does not match is skipped (and the
// file quarantined) rather than loaded half-valid.

type FieldShape = "string" | "string?" | "number" | "string[]" | "object" | readonly string[];

const PROJECT_STATES = ["idle", "working", "blocked", "paused", "error"] as const;
const SESSION_STATES = ["stopped", "starting", "idle", "busy", "waiting", "stopping", "error"] as const;
const WORK_STATES = ["queued", "in_progress", "blocked", "completed", "failed", "cancelled"] as const;
const WORK_PRIORITIES = ["low", "medium", "high", "critical"] as const;
const EVENT_PRIORITIES = ["info", "low", "normal", "high", "critical"] as const;

const SHAPES: Record<CollectionName, Record<string, FieldShape>> = {
  projects: {
    id: "string",
    path: "string",
    name: "string",
    state: PROJECT_STATES,
    stateReason: "string?",
    runtime: "string",
    createdAt: "string",
    lastActivity: "string",
  },
  sessions: {
    id: "string",
    projectId: "string",
    runtime: "string",
    state: SESSION_STATES,
    stateReason: "string?",
    tmuxTarget: "string",
    pid: "number",
    currentWorkId: "string?",
    agentSessionId: "string",
    createdAt: "string",
    startedAt: "string?",
    lastActivity: "string",
  },
  work: {
    id: "string",
    projectId: "string",
    content: "string",
    state: WORK_STATES,
    priority: WORK_PRIORITIES,
    dependsOn: "string[]",
    result: "string?",
    error: "string?",
    stateReason: "string?",
    blockedByEventId: "string?",
    attempts: "number",
    createdAt: "string",
    startedAt: "string?",
    completedAt: "string?",
  },
  events: {
    id: "string",
    projectId: "string",
    type: "string",
    priority: EVENT_PRIORITIES,
    status: ["pending", "resolved", "dismissed"],
    title: "string",
    content: "string",
    options: "string[]",
    resolution: "string?",
    sessionId: "string?",
    workId: "string?",
    context: "object",
    createdAt: "string",
    resolvedAt: "string?",
  },
  inbox: {
    id: "string",
    projectId: "string",
    content: "string",
    priority: EVENT_PRIORITIES,
    state: ["pending", "delivered"],
    role: "string",
    sessionId: "string?",
    createdAt: "string",
    deliveredAt: "string?",
  },
  changes: {
    seq: "number",
    kind: "string",
    projectId: "string",
    time: "string",
    subject: "object",
  },
  outbox: {
    id: "string",
    target: "string",
    happening: ["needs_input", "work_completed", "work_failed", "agent_error", "budget", "daemon_degraded"],
    projectId: "string",
    state: ["pending", "delivered", "failed"],
    attempts: "number",
    lastError: "string?",
    payload: "object",
    createdAt: "string",
    holdUntil: "string",
    nextAttemptAt: "string",
    deliveredAt: "string?",
  },
  notification_targets: {
    id: "string",
    settings: "object",
    createdAt: "string",
  },
};

/** Each collection's fields, listed once: a start checks every stored record (10,000s of them). */
const FIELD_LISTS = new Map(Object.entries(SHAPES).map(([collection, shapes]) => [collection, Object.entries(shapes)]));

/** Returns null when the record has the collection's shape, else what is wrong with it. */
export function shapeProblem(collection: CollectionName, value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "is not an object";
  const record = value as Record<string, unknown>;
  for (const [field, shape] of FIELD_LISTS.get(collection)!) {
    const fieldValue = record[field];
    if (!matches(shape, fieldValue)) return `field ${field} is ${JSON.stringify(fieldValue) ?? "missing"}`;
  }
  return null;
}

export function recordKey(collection: CollectionName, record: unknown): string {
  const value = record as { id?: string; seq?: number };
  return collection === "changes" ? String(value.seq) : String(value.id);
}

function matches(shape: FieldShape, value: unknown): boolean {
  if (Array.isArray(shape)) return typeof value === "string" && (shape as readonly string[]).includes(value);
  switch (shape) {
    case "string":
      return typeof value === "string";
    case "string?":
      return value === null || typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "string[]":
      return Array.isArray(value) && value.every((item) => typeof item === "string");
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
  }
  return false;
}
