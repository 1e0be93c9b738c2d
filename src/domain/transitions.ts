import type { ErrorReason } from "../errors/error-catalogue.js";
import { CommanderError } from "./commander-error.js";
import type { EventStatus, ProjectState, SessionState, WorkState } from "./records.js";

// Every state change goes through one of these tables: action -> states it is allowed from -> new state.

interface TransitionTable<S extends string, A extends string> {
  entity: string;
  reason: ErrorReason;
  actions: Record<A, { from: readonly S[]; to: S }>;
}

export const WORK_TRANSITIONS = {
  entity: "work item",
  reason: "WORK_STATE_CONFLICT",
  actions: {
    start: { from: ["queued"], to: "in_progress" },
    block: { from: ["in_progress"], to: "blocked" },
    unblock: { from: ["blocked"], to: "in_progress" },
    requeue: { from: ["in_progress", "blocked"], to: "queued" },
    complete: { from: ["queued", "in_progress", "blocked"], to: "completed" },
    fail: { from: ["queued", "in_progress", "blocked"], to: "failed" },
    cancel: { from: ["queued", "in_progress", "blocked"], to: "cancelled" },
  },
} as const satisfies TransitionTable<WorkState, string>;

export const SESSION_TRANSITIONS = {
  entity: "session",
  reason: "SESSION_STATE_CONFLICT",
  actions: {
    launch: { from: ["stopped", "error"], to: "starting" },
    ready: { from: ["starting", "busy", "waiting"], to: "idle" },
    dispatch: { from: ["idle"], to: "busy" },
    wait: { from: ["starting", "idle", "busy"], to: "waiting" },
    resume: { from: ["waiting"], to: "busy" },
    stop: { from: ["starting", "idle", "busy", "waiting", "error"], to: "stopping" },
    stopped: { from: ["stopping", "starting", "idle", "busy", "waiting", "error"], to: "stopped" },
    fail: { from: ["starting", "idle", "busy", "waiting", "stopping"], to: "error" },
  },
} as const satisfies TransitionTable<SessionState, string>;

export const EVENT_TRANSITIONS = {
  entity: "event",
  reason: "EVENT_STATE_CONFLICT",
  actions: {
    resolve: { from: ["pending"], to: "resolved" },
    dismiss: { from: ["pending"], to: "dismissed" },
  },
} as const satisfies TransitionTable<EventStatus, string>;

export const PROJECT_TRANSITIONS = {
  entity: "project",
  reason: "PROJECT_STATE_CONFLICT",
  actions: {
    pause: { from: ["idle", "working", "blocked", "error"], to: "paused" },
    resume: { from: ["paused"], to: "idle" },
  },
} as const satisfies TransitionTable<ProjectState, string>;

export function canTransition<S extends string, A extends string>(
  table: TransitionTable<S, A>,
  current: S,
  action: A,
): boolean {
  return (table.actions[action].from as readonly S[]).includes(current);
}

/** Returns the new state, or throws FAILED_PRECONDITION naming the current state. */
export function transition<S extends string, A extends string>(
  table: TransitionTable<S, A>,
  id: string,
  current: S,
  action: A,
): S {
  const rule = table.actions[action];
  if (!(rule.from as readonly S[]).includes(current)) {
    throw new CommanderError(
      table.reason,
      `${table.entity} ${id} is ${current}; cannot ${action} it (allowed from: ${rule.from.join(", ")})`,
      { id, current_state: current, action },
    );
  }
  return rule.to;
}
