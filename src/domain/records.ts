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
  | "instance_error"
  | "question"
  | "plan_approval"
  | "budget";
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
  /** Claude Code permission mode for the agent; absent or "": the daemon's default. */
  permissionMode?: string;
  /** Model for the agent; absent or "": the agent's default. */
  model?: string;
  /** Seconds the agent's permission hook waits for an answer; absent or 0: the daemon's setting. */
  permissionTimeoutSeconds?: number;
  /** Permission rules answered without asking anyone (absent in records written before policies). */
  policy?: PolicyRuleRecord[];
  /** Spending limits (src/domain/budget-rules.ts); absent when none was set. */
  budget?: BudgetRecord;
}

export type PolicyAction = "allow" | "deny";

export interface PolicyRuleRecord {
  /** Claude Code's rule syntax, e.g. `Bash(npm test:*)`. */
  rule: string;
  action: PolicyAction;
  /** `api`, or `event:<id>` for a rule chosen as "allow always". */
  source: string;
  createdAt: string;
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
  /** What the item's last turn used and changed (src/domain/usage-rules.ts); absent until it first ran. */
  usage?: WorkUsageRecord;
  /** A queued item is not dispatched before this time (a back-off after the model API was overloaded). */
  notBefore?: string | null;
}

export interface TokenCountsRecord {
  input: number;
  output: number;
  cacheCreation: number;
  cacheRead: number;
}

export interface ChangedFileRecord {
  path: string;
  added: number;
  removed: number;
  binary: boolean;
}

export interface WorkUsageRecord {
  sessionId: string | null;
  runtime: string;
  /** Null when the runtime reports no tokens (`tokensMissingReason` says so): unknown is not zero. */
  tokens: TokenCountsRecord | null;
  tokensByModel: Record<string, TokenCountsRecord>;
  tokensMissingReason: string | null;
  models: string[];
  modelCalls: number;
  toolUses: number;
  costUsd: number | null;
  costMissingReason: string | null;
  startedAt: string;
  endedAt: string | null;
  wallTimeMs: number;
  waitingTimeMs: number;
  /** Null when unknown (`changedFilesMissingReason` says why). */
  changedFiles: ChangedFileRecord[] | null;
  changedFilesMissingReason: string | null;
  /** Git tree ids of the project at the turn's start and end, for the diff. */
  treeBefore: string | null;
  treeAfter: string | null;
  /** The agent's transcript file (Claude Code's `transcript_path`), for the conversation. */
  transcriptPath: string | null;
}

export interface BudgetRecord {
  dailyUsd: number | null;
  totalUsd: number | null;
  dailyTokens: number | null;
  totalTokens: number | null;
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
  /** Who or what answered: `policy:<rule>` for a project policy; absent for a person. */
  resolvedBy?: string | null;
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

/** Event types that block their project while pending (it waits on an answer before going on). */
export const BLOCKING_EVENT_TYPES: ReadonlySet<EventType> = new Set(["error", "decision_needed", "approval", "question", "plan_approval", "budget"]);

/** Something people may want to be told of (see src/notify). */
export type Happening = "needs_input" | "work_completed" | "work_failed" | "agent_error" | "budget" | "daemon_degraded";
export type OutboxState = "pending" | "delivered" | "failed";

/**
 * One notification message for one target: the durable outbox. Written in the same transaction as the
 * happening it reports; its id is the idempotency key of every delivery attempt.
 */
export interface OutboxRecord {
  id: string;
  target: string;
  happening: Happening;
  /** Empty for daemon-wide happenings. */
  projectId: string;
  state: OutboxState;
  attempts: number;
  lastError: string | null;
  /** What the message reports, captured when it happened: `{ items: NotificationItem[] }`. */
  payload: Record<string, unknown>;
  createdAt: string;
  /** Not sent before this time: more happenings of the same kind may still join the message. */
  holdUntil: string;
  nextAttemptAt: string;
  deliveredAt: string | null;
}

/** A notification target added through the API (config-file targets are not stored). */
export interface NotificationTargetRecord {
  /** The target's name. */
  id: string;
  /** The target's settings, as validated by src/notify/notification-target.ts. */
  settings: Record<string, unknown>;
  createdAt: string;
}
