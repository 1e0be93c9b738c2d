import type { CommanderState } from "./commander-state.js";
import type { DomainContext } from "./domain-context.js";
import { invalidField } from "./commander-error.js";
import { getProject, touchProject } from "./project-rules.js";
import { EVENT_PRIORITY_RANK, type EventPriority, type InboxMessageRecord, type InboxMessageState } from "./records.js";
import { paginate, resolvePageSize, sortByOrdering, type Ordering, type Page, type PageRequest } from "./paginate.js";
import { requireTerminalSafeText } from "./validate-fields.js";

export interface SendMessageInput {
  projectId: string;
  content: string;
  priority: EventPriority | null;
  sessionId: string;
}

export function sendMessage(ctx: DomainContext, input: SendMessageInput): InboxMessageRecord {
  getProject(ctx.state, input.projectId);
  const content = requireTerminalSafeText("content", input.content, ctx.limits.maxContentBytes);
  if (input.sessionId !== "") {
    const session = ctx.state.sessionOfProject(input.projectId);
    if (!session || session.id !== input.sessionId) {
      throw invalidField("session_id", `is not the session of project ${input.projectId}`);
    }
  }
  const message: InboxMessageRecord = {
    id: ctx.newId("msg"),
    projectId: input.projectId,
    content,
    priority: input.priority ?? "normal",
    state: "pending",
    role: "user",
    sessionId: null,
    createdAt: ctx.now,
    deliveredAt: null,
  };
  saveMessage(ctx, message);
  touchProject(ctx, input.projectId);
  return message;
}

export function markMessageDelivered(ctx: DomainContext, messageId: string, sessionId: string): InboxMessageRecord {
  const message = ctx.state.inbox.get(messageId);
  if (!message) throw new Error(`inbox message ${messageId} vanished`);
  return saveMessage(ctx, { ...message, state: "delivered", sessionId, deliveredAt: ctx.now });
}

/** Keeps the agent's answer to a message with it. */
export function recordMessageReply(ctx: DomainContext, messageId: string, reply: string): InboxMessageRecord | undefined {
  const message = ctx.state.inbox.get(messageId);
  if (!message) return undefined;
  return saveMessage(ctx, { ...message, reply: reply.slice(0, 4 * ctx.limits.maxContentBytes) });
}

function saveMessage(ctx: DomainContext, message: InboxMessageRecord): InboxMessageRecord {
  ctx.tx.put("inbox", message);
  ctx.tx.change("inbox_changed", message.projectId, { type: "message", record: message });
  return message;
}

export interface InboxFilter {
  projectId: string;
  priority: EventPriority | null;
  state: InboxMessageState | null;
  limit: number;
  offset: number;
}

function byUrgencyThenAge(a: InboxMessageRecord, b: InboxMessageRecord): number {
  return EVENT_PRIORITY_RANK[b.priority] - EVENT_PRIORITY_RANK[a.priority] || a.createdAt.localeCompare(b.createdAt);
}

const URGENCY_ORDER: Ordering<InboxMessageRecord> = {
  key: (message) => [EVENT_PRIORITY_RANK[message.priority], message.createdAt],
  directions: [-1, 1],
  id: (message) => message.id,
};

const SENT_ORDER: Ordering<InboxMessageRecord> = { key: (message) => [message.createdAt], directions: [1], id: (message) => message.id };

/**
 * Matching messages, most urgent first, then oldest first. `limit` (default 50) is the page size unless
 * one is given; `offset` skips that many of the first page (the original implementation's paging).
 */
export function listInbox(state: CommanderState, filter: InboxFilter, page: PageRequest): Page<InboxMessageRecord> & { total: number } {
  if (filter.projectId !== "") getProject(state, filter.projectId);
  if (filter.limit < 0 || filter.limit > 100) throw invalidField("limit", "must be between 1 and 100");
  if (filter.offset < 0) throw invalidField("offset", "must not be negative");
  if (filter.offset > 0 && page.pageToken !== "") throw invalidField("offset", "cannot be combined with page_token");
  const defaultSize = resolvePageSize(filter.limit, 50);
  const matching = sortByOrdering(
    [...state.inbox.values()].filter(
      (message) =>
        (filter.projectId === "" || message.projectId === filter.projectId) &&
        (filter.priority === null || message.priority === filter.priority) &&
        (filter.state === null || message.state === filter.state),
    ),
    URGENCY_ORDER,
  );
  const query = JSON.stringify(["ListInbox", filter.projectId, filter.priority, filter.state]);
  const result = paginate(matching.slice(filter.offset), URGENCY_ORDER, query, page, defaultSize);
  return { ...result, total: matching.length };
}

export function inboxCounts(state: CommanderState, projectId: string): Record<EventPriority | "total", number> {
  if (projectId !== "") getProject(state, projectId);
  const counts = { critical: 0, high: 0, normal: 0, low: 0, info: 0, total: 0 };
  for (const message of state.inbox.values()) {
    if (message.state !== "pending" || (projectId !== "" && message.projectId !== projectId)) continue;
    counts[message.priority]++;
    counts.total++;
  }
  return counts;
}

export function projectThread(state: CommanderState, projectId: string, page: PageRequest): Page<InboxMessageRecord> {
  getProject(state, projectId);
  const messages = sortByOrdering(
    [...state.inbox.values()].filter((message) => message.projectId === projectId),
    SENT_ORDER,
  );
  return paginate(messages, SENT_ORDER, JSON.stringify(["GetThread", projectId]), page);
}

/** Undelivered messages of a project in the order they should reach the agent. */
export function undeliveredMessages(state: CommanderState, projectId: string): InboxMessageRecord[] {
  return [...state.inbox.values()]
    .filter((message) => message.projectId === projectId && message.state === "pending")
    .sort(byUrgencyThenAge);
}
