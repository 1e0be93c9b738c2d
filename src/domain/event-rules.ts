import type { CommanderState } from "./commander-state.js";
import type { DomainContext } from "./domain-context.js";
import { CommanderError, invalidField } from "./commander-error.js";
import { getProject, isBlockingType, refreshProjectState } from "./project-rules.js";
import {
  EVENT_PRIORITY_RANK,
  type EventPriority,
  type EventRecord,
  type EventStatus,
  type EventType,
} from "./records.js";
import { paginate, resolvePageSize, sortByOrdering, type Ordering, type Page, type PageRequest } from "./paginate.js";
import { EVENT_TRANSITIONS, transition } from "./transitions.js";
import { requireTerminalSafeText } from "./validate-fields.js";
import { unblockWork } from "./work-rules.js";
import { planAnswer } from "./plan-answer.js";
import { askedQuestions, normaliseQuestionAnswer } from "./question-answers.js";

// Default priorities of the original implementation (its section 2.4).
export const DEFAULT_EVENT_PRIORITY: Record<EventType, EventPriority> = {
  error: "critical",
  decision_needed: "high",
  approval: "high",
  clarification: "normal",
  task_complete: "low",
  milestone: "low",
  status: "info",
  project_idle: "info",
  instance_starting: "info",
  instance_ready: "info",
  instance_error: "high",
  question: "high",
  plan_approval: "high",
  budget: "critical",
};

export interface RaiseEventInput {
  projectId: string;
  type: EventType;
  title: string;
  content?: string;
  options?: string[];
  priority?: EventPriority;
  sessionId?: string | null;
  workId?: string | null;
  context?: Record<string, unknown>;
}

export function getEvent(state: CommanderState, eventId: string): EventRecord {
  if (eventId === "") throw invalidField("event_id", "must not be empty");
  const event = state.events.get(eventId);
  if (!event) throw new CommanderError("EVENT_NOT_FOUND", `event ${eventId} not found`, { event_id: eventId });
  return event;
}

export function raiseEvent(ctx: DomainContext, input: RaiseEventInput): EventRecord {
  const event: EventRecord = {
    id: ctx.newId("event"),
    projectId: input.projectId,
    type: input.type,
    priority: input.priority ?? DEFAULT_EVENT_PRIORITY[input.type],
    status: "pending",
    title: input.title,
    content: input.content ?? "",
    options: input.options ?? [],
    resolution: null,
    sessionId: input.sessionId ?? null,
    workId: input.workId ?? null,
    context: input.context ?? {},
    createdAt: ctx.now,
    resolvedAt: null,
  };
  ctx.tx.put("events", event);
  ctx.tx.change("event_created", event.projectId, { type: "event", record: event });
  if (isBlockingType(event.type) && ctx.state.projects.has(event.projectId)) refreshProjectState(ctx, event.projectId);
  return event;
}

export interface ResolveOutcome {
  event: EventRecord;
  /** False when the event was already resolved: nothing changed and nothing must be delivered again. */
  changed: boolean;
}

export function resolveEvent(ctx: DomainContext, eventId: string, answer: string): ResolveOutcome {
  const event = getEvent(ctx.state, eventId);
  if (event.status === "resolved") return { event, changed: false };
  transition(EVENT_TRANSITIONS, eventId, event.status, "resolve");
  // Free-text answers may reach the agent's terminal: the same rule as work content.
  const resolution = normaliseResolution(event, requireTerminalSafeText("resolution", answer.trim(), ctx.limits.maxContentBytes));
  return { event: closeEvent(ctx, { ...event, status: "resolved", resolution, resolvedAt: ctx.now }), changed: true };
}

export function dismissEvent(ctx: DomainContext, eventId: string): EventRecord {
  const event = getEvent(ctx.state, eventId);
  if (event.status === "dismissed") return event;
  transition(EVENT_TRANSITIONS, eventId, event.status, "dismiss");
  return closeEvent(ctx, { ...event, status: "dismissed", resolvedAt: ctx.now });
}

export function closeEvent(ctx: DomainContext, event: EventRecord): EventRecord {
  ctx.tx.put("events", event);
  ctx.tx.change("event_resolved", event.projectId, { type: "event", record: event });
  // The item waiting on this event carries on (the agent receives the answer).
  for (const item of [...ctx.state.unfinishedWorkOf(event.projectId)]) {
    if (item.blockedByEventId === event.id && item.state === "blocked") unblockWork(ctx, item.id);
  }
  if (ctx.state.projects.has(event.projectId)) refreshProjectState(ctx, event.projectId);
  return event;
}

/**
 * An answer naming one of the event's options (by text, case-insensitively, or by its 1-based number)
 * becomes that option. Events whose options are a strict menu (`context.strict_options`) accept nothing
 * else; others keep free text, which the delivery interprets (see approval-decision.ts).
 */
function normaliseResolution(event: EventRecord, answer: string): string {
  if (answer === "") throw invalidField("resolution", "must not be empty");
  if (event.type === "question") return normaliseQuestionAnswer(askedQuestions((event.context.tool_input ?? {}) as Record<string, unknown>), answer);
  if (event.type === "plan_approval") planAnswer(answer); // refuses `approve:<unknown mode>` now rather than at delivery
  if (event.options.length === 0) return answer;
  const byText = event.options.find((option) => option.toLowerCase() === answer.toLowerCase());
  if (byText) return byText;
  if (/^\d+$/.test(answer)) {
    const option = event.options[Number(answer) - 1];
    if (option) return option;
  }
  if (event.context.strict_options === true) {
    throw new CommanderError(
      "INVALID_RESOLUTION",
      `resolution: must be one of ${event.options.map((option) => JSON.stringify(option)).join(", ")} (or its number); got ${JSON.stringify(answer)}`,
      { event_id: event.id },
    );
  }
  return answer;
}

export function isBlocking(event: EventRecord): boolean {
  return event.status === "pending" && isBlockingType(event.type);
}

const PENDING_ORDER: Ordering<EventRecord> = {
  key: (event) => [EVENT_PRIORITY_RANK[event.priority], event.createdAt],
  directions: [-1, 1],
  id: (event) => event.id,
};

// Newest first; among events of the same millisecond, the later one first (the list is reversed first).
const NEWEST_FIRST: Ordering<EventRecord> = { key: (event) => [event.createdAt], directions: [-1], id: (event) => event.id };

/** Pending events, most urgent first, then oldest first. */
export function listPendingEvents(state: CommanderState, projectId: string, page: PageRequest): Page<EventRecord> {
  if (projectId !== "") getProject(state, projectId);
  const events = [...(projectId === "" ? state.events.values() : state.eventsOf(projectId))].filter(
    (event) => event.status === "pending",
  );
  return paginate(sortByOrdering(events, PENDING_ORDER), PENDING_ORDER, JSON.stringify(["ListPendingEvents", projectId]), page);
}

export interface EventFilter {
  projectId: string;
  status: EventStatus | null;
  type: EventType | null;
  limit: number;
}

/** Events of any status, newest first. `limit` (default 100) is the page size unless one is given. */
export function listEvents(state: CommanderState, filter: EventFilter, page: PageRequest): Page<EventRecord> {
  if (filter.projectId !== "") getProject(state, filter.projectId);
  if (filter.limit < 0 || filter.limit > 1000) throw invalidField("limit", "must be between 1 and 1000");
  const defaultSize = resolvePageSize(filter.limit, 100);
  const events = [...state.events.values()].filter(
    (event) =>
      (filter.projectId === "" || event.projectId === filter.projectId) &&
      (filter.status === null || event.status === filter.status) &&
      (filter.type === null || event.type === filter.type),
  );
  const query = JSON.stringify(["ListEvents", filter.projectId, filter.status, filter.type]);
  return paginate(sortByOrdering(events.reverse(), NEWEST_FIRST), NEWEST_FIRST, query, page, defaultSize);
}

export function pendingEventsCount(state: CommanderState, projectId: string): number {
  return state.pendingEventCount(projectId);
}
