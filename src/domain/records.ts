// The records Commander keeps. Plain, JSON-serialisable objects: they are what the state files store,
// and they are replaced, never mutated in place, so a failed write can restore the previous version.
// Timestamps are RFC 3339 UTC strings.

export type ProjectState = "idle" | "working" | "blocked" | "paused" | "error";
export type SessionState = "stopped" | "starting" | "idle" | "busy" | "waiting" | "stopping" | "error";
export type WorkState = "queued" | "in_progress" | "blocked" | "completed" | "failed" | "cancelled";
export type WorkPriority = "low" | "medium" | "high" | "critical";
export type EventType =
  | "error"
  | "decision_needed"
  | "approval"
  | "clarification"
  | "task_complete"
  | "milestone"
  | "status"
  | "project_idle"
  | "instance_starting"
  | "instance_ready"
  | "instance_error";
export type EventPriority = "info" | "low" | "normal" | "high" | "critical";
export type EventStatus = "pending" | "resolved" | "dismissed";
export type InboxMessageState = "pending" | "delivered";

export interface ProjectRecord {
  id: string;
  path: string;
  name: string;
  state: ProjectState;
  stateReason: string | null;
  runtime: string;
  createdAt: string;
  lastActivity: string;
}

export interface SessionRecord {
  id: string;
  projectId: string;
  runtime: string;
  state: SessionState;
  stateReason: string | null;
  tmuxTarget: string;
  pid: number;
  currentWorkId: string | null;
  agentSessionId: string;
  createdAt: string;
  startedAt: string | null;
  lastActivity: string;
}

export interface WorkItemRecord {
  id: string;
  projectId: string;
  content: string;
  state: WorkState;
  priority: WorkPriority;
  dependsOn: string[];
  result: string | null;
  error: string | null;
  stateReason: string | null;
  blockedByEventId: string | null;
  attempts: number;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  /** A queued item is not dispatched before this time (a back-off after the model API was overloaded). */
  notBefore?: string | null;
}

export interface EventRecord {
  id: string;
  projectId: string;
  type: EventType;
  priority: EventPriority;
  status: EventStatus;
  title: string;
  content: string;
  options: string[];
  resolution: string | null;
  sessionId: string | null;
  workId: string | null;
  context: Record<string, unknown>;
  createdAt: string;
  resolvedAt: string | null;
}

export interface InboxMessageRecord {
  id: string;
  projectId: string;
  content: string;
  priority: EventPriority;
  state: InboxMessageState;
  role: string;
  sessionId: string | null;
  createdAt: string;
  deliveredAt: string | null;
  /** What the agent answered to the message (the turn's final text). */
  reply?: string | null;
}

export type ChangeKind =
  | "event_created"
  | "event_resolved"
  | "work_changed"
  | "session_changed"
  | "project_changed"
  | "project_removed"
  | "inbox_changed";

/** One entry of the change feed; `seq` is strictly increasing and survives restarts. */
export interface ChangeRecord {
  seq: number;
  kind: ChangeKind;
  projectId: string;
  time: string;
  subject:
    | { type: "event"; record: EventRecord }
    | { type: "work_item"; record: WorkItemRecord }
    | { type: "session"; record: SessionRecord }
    | { type: "project"; record: ProjectRecord }
    | { type: "message"; record: InboxMessageRecord };
}

export const WORK_PRIORITY_RANK: Record<WorkPriority, number> = { low: 1, medium: 2, high: 3, critical: 4 };
export const EVENT_PRIORITY_RANK: Record<EventPriority, number> = { info: 1, low: 2, normal: 3, high: 4, critical: 5 };
export const FINISHED_WORK_STATES: ReadonlySet<WorkState> = new Set(["completed", "failed", "cancelled"]);
