import { create, type JsonObject } from "@bufbuild/protobuf";
import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { EventPrioritySchema, EventSchema, EventStatusSchema, EventTypeSchema, type Event } from "../../../gen/es/commander/v1/event_pb.js";
import { InboxMessageSchema, InboxMessageStateSchema, type InboxMessage } from "../../../gen/es/commander/v1/inbox_message_pb.js";
import {
  PolicyActionSchema,
  PolicyRuleSchema,
  ProjectPolicySchema,
  ProjectSchema,
  ProjectStateSchema,
  type PolicyRule,
  type Project,
} from "../../../gen/es/commander/v1/project_pb.js";
import { SessionSchema, SessionStateSchema, type Session } from "../../../gen/es/commander/v1/session_pb.js";
import { ChangeKindSchema, ChangeSchema, type Change } from "../../../gen/es/commander/v1/watch_service_pb.js";
import { WorkItemSchema, WorkPrioritySchema, WorkStateSchema, type WorkItem } from "../../../gen/es/commander/v1/work_item_pb.js";
import type { CommanderState } from "../../domain/commander-state.js";
import { isBlocking, pendingEventsCount } from "../../domain/event-rules.js";
import { countUnfinishedWork } from "../../domain/project-rules.js";
import type {
  ChangeRecord,
  EventRecord,
  InboxMessageRecord,
  PolicyRuleRecord,
  ProjectRecord,
  SessionRecord,
  WorkItemRecord,
} from "../../domain/records.js";
import { askedQuestions } from "../../domain/question-answers.js";
import { totalsOf } from "../../domain/usage-rules.js";
import { wordToEnum } from "./enum-words.js";
import { keptByRecord, keptByRecordAndVersion, stateVersion, utcDay } from "./kept-messages.js";
import { toBudget, toUsageTotals, toWorkUsage } from "./to-usage-messages.js";

function timestamp(iso: string): Timestamp;
function timestamp(iso: string | null): Timestamp | undefined;
function timestamp(iso: string | null): Timestamp | undefined {
  return iso === null ? undefined : timestampFromDate(new Date(iso));
}

function optional(value: string | null): string | undefined {
  return value ?? undefined;
}

/** A project with its counts and usage as the state shows them (the same message until the state or the day changes). */
export const toProject = keptByRecordAndVersion(convertProject, (state: CommanderState) => stateVersion(state));

function convertProject(record: ProjectRecord, state: CommanderState): Project {
  return create(ProjectSchema, {
    id: record.id,
    path: record.path,
    name: record.name,
    state: wordToEnum(ProjectStateSchema, record.state),
    stateReason: optional(record.stateReason),
    runtime: record.runtime,
    pendingEventsCount: pendingEventsCount(state, record.id),
    queuedWorkCount: countUnfinishedWork(state, record.id),
    createdAt: timestamp(record.createdAt),
    lastActivity: timestamp(record.lastActivity),
    permissionMode: record.permissionMode ?? "",
    model: record.model ?? "",
    permissionTimeoutSeconds: record.permissionTimeoutSeconds ?? 0,
    policy: create(ProjectPolicySchema, { rules: (record.policy ?? []).map(toPolicyRule) }),
    usage: toUsageTotals(totalsOf(state, { projectId: record.id, since: "" })),
    usageToday: toUsageTotals(totalsOf(state, { projectId: record.id, since: `${utcDay()}T00:00:00Z` })),
    budget: record.budget ? toBudget(record.budget) : undefined,
  });
}

export function toPolicyRule(record: PolicyRuleRecord): PolicyRule {
  return create(PolicyRuleSchema, {
    rule: record.rule,
    action: wordToEnum(PolicyActionSchema, record.action),
    source: record.source,
    createdAt: timestamp(record.createdAt),
  });
}

/** A session, with its usage when the state is given (the same message until the state changes). */
export const toSession = keptByRecordAndVersion(convertSession, (attachCommand: string, state?: CommanderState) => `${state?.revision ?? "-"}/${attachCommand}`);

function convertSession(record: SessionRecord, attachCommand: string, state?: CommanderState): Session {
  return create(SessionSchema, {
    id: record.id,
    projectId: record.projectId,
    runtime: record.runtime,
    state: wordToEnum(SessionStateSchema, record.state),
    stateReason: optional(record.stateReason),
    tmuxTarget: record.tmuxTarget,
    pid: record.pid,
    currentWorkId: optional(record.currentWorkId),
    agentSessionId: record.agentSessionId,
    attachCommand: record.tmuxTarget === "" ? "" : attachCommand,
    createdAt: timestamp(record.createdAt),
    startedAt: timestamp(record.startedAt),
    lastActivity: timestamp(record.lastActivity),
    usage: state ? toUsageTotals(totalsOf(state, { projectId: record.projectId, since: "", sessionId: record.id })) : undefined,
  });
}

export const toWorkItem = keptByRecord(convertWorkItem);

/**
 * A work item that was just written, converted without keeping its message: the answer to a write is
 * sent once, and keeping a message for every new item would only add to the heap the collector walks.
 */
export function convertWorkItem(record: WorkItemRecord): WorkItem {
  return create(WorkItemSchema, {
    id: record.id,
    projectId: record.projectId,
    content: record.content,
    state: wordToEnum(WorkStateSchema, record.state),
    priority: wordToEnum(WorkPrioritySchema, record.priority),
    dependsOn: record.dependsOn,
    result: optional(record.result),
    error: optional(record.error),
    stateReason: optional(record.stateReason),
    blockedByEventId: optional(record.blockedByEventId),
    attempts: record.attempts,
    createdAt: timestamp(record.createdAt),
    startedAt: timestamp(record.startedAt),
    completedAt: timestamp(record.completedAt),
    usage: record.usage ? toWorkUsage(record.usage) : undefined,
    nextAttemptAt: timestamp(record.notBefore ?? null),
  });
}

export const toEvent = keptByRecord(convertEvent);

function convertEvent(record: EventRecord): Event {
  return create(EventSchema, {
    id: record.id,
    projectId: record.projectId,
    type: wordToEnum(EventTypeSchema, record.type),
    priority: wordToEnum(EventPrioritySchema, record.priority),
    status: wordToEnum(EventStatusSchema, record.status),
    title: record.title,
    content: record.content,
    options: record.options,
    isBlocking: isBlocking(record),
    resolution: optional(record.resolution),
    sessionId: optional(record.sessionId),
    workId: optional(record.workId),
    context: record.context as JsonObject,
    createdAt: timestamp(record.createdAt),
    resolvedAt: timestamp(record.resolvedAt),
    resolvedBy: optional(record.resolvedBy ?? null),
    questions:
      record.type === "question"
        ? askedQuestions((record.context.tool_input ?? {}) as Record<string, unknown>).map((question) => ({
            question: question.question,
            header: question.header,
            options: question.options,
            multiSelect: question.multiSelect,
            freeTextAllowed: true,
          }))
        : [],
  });
}

export const toInboxMessage = keptByRecord(convertInboxMessage);

function convertInboxMessage(record: InboxMessageRecord): InboxMessage {
  return create(InboxMessageSchema, {
    id: record.id,
    projectId: record.projectId,
    content: record.content,
    priority: wordToEnum(EventPrioritySchema, record.priority),
    state: wordToEnum(InboxMessageStateSchema, record.state),
    role: record.role,
    sessionId: optional(record.sessionId),
    createdAt: timestamp(record.createdAt),
    deliveredAt: timestamp(record.deliveredAt),
    reply: optional(record.reply ?? null),
  });
}

export interface ChangeRendering {
  state: CommanderState;
  attachCommand(session: SessionRecord): string;
}

export function toChange(record: ChangeRecord, rendering: ChangeRendering): Change {
  const subject = record.subject;
  const change = create(ChangeSchema, {
    seq: BigInt(record.seq),
    kind: wordToEnum(ChangeKindSchema, record.kind),
    projectId: record.projectId,
    time: timestamp(record.time),
  });
  switch (subject.type) {
    case "event":
      change.subject = { case: "event", value: toEvent(subject.record) };
      break;
    case "work_item":
      change.subject = { case: "workItem", value: toWorkItem(subject.record) };
      break;
    case "session":
      change.subject = { case: "session", value: toSession(subject.record, rendering.attachCommand(subject.record), rendering.state) };
      break;
    case "project":
      change.subject = { case: "project", value: toProject(subject.record, rendering.state) };
      break;
    case "message":
      change.subject = { case: "message", value: toInboxMessage(subject.record) };
      break;
  }
  return change;
}
