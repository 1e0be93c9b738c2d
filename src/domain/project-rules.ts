import { CommanderError, invalidField } from "./commander-error.js";
import type { DomainContext } from "./domain-context.js";
import { paginate, sortByOrdering, type Ordering, type Page, type PageRequest } from "./paginate.js";
import { BLOCKING_EVENT_TYPES, type EventRecord, type ProjectRecord, type ProjectState } from "./records.js";
import { transition, PROJECT_TRANSITIONS } from "./transitions.js";
import { limitLength, requireId } from "./validate-fields.js";
import type { CommanderState } from "./commander-state.js";

export interface RegisterProjectInput {
  /** Absolute, symlink-free path of an existing directory (resolved by the caller, which does the I/O). */
  resolvedPath: string;
  name: string;
  projectId: string;
  runtime: string;
}

export function getProject(state: CommanderState, projectId: string): ProjectRecord {
  if (projectId === "") throw invalidField("project_id", "must not be empty");
  const project = state.projects.get(projectId);
  if (!project) throw new CommanderError("PROJECT_NOT_FOUND", `project ${projectId} not found`, { project_id: projectId });
  return project;
}

const REGISTRATION_ORDER: Ordering<ProjectRecord> = { key: (project) => [project.createdAt], directions: [1], id: (project) => project.id };

/** Registered projects in registration order, a page at a time. */
export function listProjects(state: CommanderState, page: PageRequest): Page<ProjectRecord> {
  const projects = sortByOrdering([...state.projects.values()], REGISTRATION_ORDER);
  return paginate(projects, REGISTRATION_ORDER, JSON.stringify(["ListProjects"]), page);
}

export function registerProject(ctx: DomainContext, input: RegisterProjectInput): ProjectRecord {
  const { state } = ctx;
  const id = input.projectId === "" ? ctx.newId("project") : requireId("project_id", input.projectId);
  if (state.projects.has(id)) {
    throw new CommanderError("PROJECT_ALREADY_EXISTS", `project id ${id} is already registered`, { project_id: id });
  }
  for (const existing of state.projects.values()) {
    if (existing.path === input.resolvedPath) {
      throw new CommanderError(
        "PROJECT_ALREADY_EXISTS",
        `directory ${input.resolvedPath} is already registered as project ${existing.id}`,
        { project_id: existing.id, path: input.resolvedPath },
      );
    }
  }
  if (state.projects.size >= ctx.limits.maxProjects) {
    throw new CommanderError(
      "PROJECT_LIMIT_REACHED",
      `max_projects (${ctx.limits.maxProjects}) projects are already registered; unregister one or raise max_projects`,
      { max_projects: String(ctx.limits.maxProjects) },
    );
  }
  const name = input.name.trim() === "" ? baseName(input.resolvedPath) : limitLength("name", input.name.trim(), 200);
  const project: ProjectRecord = {
    id,
    path: input.resolvedPath,
    name,
    state: "idle",
    stateReason: null,
    runtime: input.runtime,
    createdAt: ctx.now,
    lastActivity: ctx.now,
  };
  ctx.tx.put("projects", project);
  ctx.tx.change("project_changed", id, { type: "project", record: project });
  return project;
}

/** Removes the project and everything it owns. The caller stops its agent first. */
export function unregisterProject(ctx: DomainContext, projectId: string, force: boolean): ProjectRecord {
  const project = getProject(ctx.state, projectId);
  const active = [...ctx.state.workOf(projectId)].filter((item) => item.state === "in_progress" || item.state === "blocked");
  if (active.length > 0 && !force) {
    throw new CommanderError(
      "PROJECT_BUSY",
      `project ${projectId} has work in progress (${active.map((item) => item.id).join(", ")}); cancel it, stop the session, or pass force=true`,
      { project_id: projectId },
    );
  }
  for (const item of [...ctx.state.workOf(projectId)]) ctx.tx.delete("work", item.id);
  for (const event of [...ctx.state.eventsOf(projectId)]) ctx.tx.delete("events", event.id);
  for (const [id, message] of ctx.state.inbox) if (message.projectId === projectId) ctx.tx.delete("inbox", id);
  for (const [id, session] of ctx.state.sessions) if (session.projectId === projectId) ctx.tx.delete("sessions", id);
  ctx.tx.delete("projects", projectId);
  ctx.tx.change("project_removed", projectId, { type: "project", record: project });
  return project;
}

export function pauseProject(ctx: DomainContext, projectId: string, reason: string): ProjectRecord {
  const project = getProject(ctx.state, projectId);
  const state = transition(PROJECT_TRANSITIONS, projectId, project.state, "pause");
  const text = reason.trim() === "" ? "paused by a user" : limitLength("reason", reason.trim(), 1000);
  return saveProject(ctx, { ...project, state, stateReason: text, lastActivity: ctx.now });
}

export function resumeProject(ctx: DomainContext, projectId: string): ProjectRecord {
  const project = getProject(ctx.state, projectId);
  transition(PROJECT_TRANSITIONS, projectId, project.state, "resume");
  const resumed = saveProject(ctx, { ...project, state: "idle", stateReason: null, lastActivity: ctx.now });
  return refreshProjectState(ctx, resumed.id);
}

export function touchProject(ctx: DomainContext, projectId: string): void {
  const project = ctx.state.projects.get(projectId);
  if (project) ctx.tx.put("projects", { ...project, lastActivity: ctx.now });
}

/**
 * Derives a project's state from what its session, events and work are doing. A pause set by a user
 * sticks until resumed; otherwise: session error > pending blocking event > work in progress > idle.
 */
export function refreshProjectState(ctx: DomainContext, projectId: string): ProjectRecord {
  const project = getProject(ctx.state, projectId);
  if (project.state === "paused") return project;
  const [state, reason] = deriveState(ctx.state, projectId);
  if (state === project.state && reason === project.stateReason) return project;
  return saveProject(ctx, { ...project, state, stateReason: reason, lastActivity: ctx.now });
}

function deriveState(state: CommanderState, projectId: string): [ProjectState, string | null] {
  const session = state.sessionOfProject(projectId);
  if (session?.state === "error") return ["error", session.stateReason ?? "the session failed"];
  const blocking = firstBlockingEvent(state, projectId);
  if (blocking) return ["blocked", `waiting on ${blocking.type} event ${blocking.id}: ${blocking.title}`];
  const working = state.firstWorkInProgress(projectId);
  if (working) return ["working", `working on ${working.id}`];
  return ["idle", null];
}

export function firstBlockingEvent(state: CommanderState, projectId: string): EventRecord | undefined {
  return state.firstBlockingEvent(projectId);
}

export function isBlockingType(type: EventRecord["type"]): boolean {
  return BLOCKING_EVENT_TYPES.has(type);
}

export function countUnfinishedWork(state: CommanderState, projectId: string): number {
  return state.unfinishedWorkCount(projectId);
}

function saveProject(ctx: DomainContext, project: ProjectRecord): ProjectRecord {
  ctx.tx.put("projects", project);
  ctx.tx.change("project_changed", project.id, { type: "project", record: project });
  return project;
}

function baseName(path: string): string {
  const parts = path.split("/").filter((part) => part !== "");
  return parts.length === 0 ? "/" : parts[parts.length - 1];
}
