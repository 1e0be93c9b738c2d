import type { CommanderState } from "./commander-state.js";
import type { DomainContext } from "./domain-context.js";
import { CommanderError, invalidField } from "./commander-error.js";
import { getProject, refreshProjectState } from "./project-rules.js";
import { paginate, sortByOrdering, type Ordering, type Page, type PageRequest } from "./paginate.js";
import type { SessionRecord } from "./records.js";
import { SESSION_TRANSITIONS, transition } from "./transitions.js";

export function getSessionOfProject(state: CommanderState, projectId: string): SessionRecord {
  getProject(state, projectId);
  const session = state.sessionOfProject(projectId);
  if (!session) {
    throw new CommanderError("SESSION_NOT_FOUND", `project ${projectId} has no session; create or start one`, {
      project_id: projectId,
    });
  }
  return session;
}

const CREATION_ORDER: Ordering<SessionRecord> = { key: (session) => [session.createdAt], directions: [1], id: (session) => session.id };

/** Sessions in creation order, optionally of one project, a page at a time. */
export function listSessions(state: CommanderState, projectId: string, page: PageRequest): Page<SessionRecord> {
  if (projectId !== "") getProject(state, projectId);
  const sessions = [...state.sessions.values()].filter((session) => projectId === "" || session.projectId === projectId);
  return paginate(sortByOrdering(sessions, CREATION_ORDER), CREATION_ORDER, JSON.stringify(["ListSessions", projectId]), page);
}

/** Finds a session by its own id or by its project's id. */
export function findSession(state: CommanderState, sessionOrProjectId: string): SessionRecord {
  if (sessionOrProjectId === "") throw invalidField("session_id", "must not be empty");
  const session = state.sessions.get(sessionOrProjectId) ?? state.sessionOfProject(sessionOrProjectId);
  if (!session) {
    throw new CommanderError("SESSION_NOT_FOUND", `session ${sessionOrProjectId} not found`, { session_id: sessionOrProjectId });
  }
  return session;
}

export interface CreateSessionInput {
  projectId: string;
  runtime: string;
  agentSessionId: string;
}

export function createSession(ctx: DomainContext, input: CreateSessionInput): SessionRecord {
  getProject(ctx.state, input.projectId);
  const existing = ctx.state.sessionOfProject(input.projectId);
  if (existing) {
    throw new CommanderError(
      "SESSION_ALREADY_EXISTS",
      `project ${input.projectId} already has session ${existing.id} (${existing.state})`,
      { project_id: input.projectId, session_id: existing.id },
    );
  }
  const session: SessionRecord = {
    id: ctx.newId("session"),
    projectId: input.projectId,
    runtime: input.runtime,
    state: "stopped",
    stateReason: null,
    tmuxTarget: "",
    pid: 0,
    currentWorkId: null,
    agentSessionId: input.agentSessionId,
    createdAt: ctx.now,
    startedAt: null,
    lastActivity: ctx.now,
  };
  return saveSession(ctx, session);
}

export type SessionAction = keyof typeof SESSION_TRANSITIONS.actions;

/** Moves a session through its transition table, applying `patch` to the record. */
export function moveSession(
  ctx: DomainContext,
  sessionId: string,
  action: SessionAction,
  patch: SessionPatch = {},
): SessionRecord {
  const session = ctx.state.sessions.get(sessionId);
  if (!session) throw new CommanderError("SESSION_NOT_FOUND", `session ${sessionId} not found`, { session_id: sessionId });
  const state = transition(SESSION_TRANSITIONS, sessionId, session.state, action);
  return saveSession(ctx, { ...session, ...patch, state, lastActivity: ctx.now });
}

export type SessionPatch = Partial<Omit<SessionRecord, "id" | "projectId" | "state">>;

/** Changes a session's details; its state changes only through `moveSession` and the transition table. */
export function updateSession(ctx: DomainContext, sessionId: string, patch: SessionPatch): SessionRecord {
  const session = ctx.state.sessions.get(sessionId);
  if (!session) throw new CommanderError("SESSION_NOT_FOUND", `session ${sessionId} not found`, { session_id: sessionId });
  for (const field of ["state", "id", "projectId"]) {
    if (Object.hasOwn(patch, field)) throw new Error(`updateSession: ${field} cannot be patched; use a transition`);
  }
  return saveSession(ctx, { ...session, ...patch, lastActivity: ctx.now });
}

export function deleteSession(ctx: DomainContext, sessionId: string): void {
  const session = ctx.state.sessions.get(sessionId);
  if (!session) return;
  ctx.tx.delete("sessions", sessionId);
  ctx.tx.change("session_changed", session.projectId, { type: "session", record: { ...session, state: "stopped" } });
}

function saveSession(ctx: DomainContext, session: SessionRecord): SessionRecord {
  ctx.tx.put("sessions", session);
  ctx.tx.change("session_changed", session.projectId, { type: "session", record: session });
  if (ctx.state.projects.has(session.projectId)) refreshProjectState(ctx, session.projectId);
  return session;
}
