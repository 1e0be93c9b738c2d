import type { DomainContext } from "../domain/domain-context.js";
import type { EventRecord, Happening, OutboxRecord, SessionRecord, WorkItemRecord } from "../domain/records.js";
import { isBlockingType } from "../domain/project-rules.js";
import type { NotificationTarget } from "./notification-target.js";

/** What one notification reports, captured when it happened (the message is built from this alone). */
export interface NotificationItem {
  kind: "event" | "work_item" | "session" | "problem";
  id: string;
  title: string;
  text: string;
  /** An event's options (the answers a person may give). */
  options?: string[];
  priority?: string;
}

export interface HappeningInput {
  happening: Happening;
  /** Empty for daemon-wide happenings. */
  projectId: string;
  item: NotificationItem;
}

export interface PlanSettings {
  /** Needs-input happenings of one project within this time become one message. */
  coalesceMs: number;
}

/**
 * Queues the notifications a transaction's changes call for, in that same transaction, so the
 * happening and its notifications become durable together (never one without the other). Pure: reads
 * the transaction's operations, writes outbox records.
 */
export function planNotifications(ctx: DomainContext, targets: readonly NotificationTarget[], settings: PlanSettings): void {
  if (targets.length === 0) return;
  for (const happening of happeningsOf(ctx)) enqueueHappening(ctx, targets, settings, happening);
}

/** The happenings in a transaction's writes: a blocking event raised (a budget stop), work finished, an agent failing. */
export function happeningsOf(ctx: DomainContext): HappeningInput[] {
  const found: HappeningInput[] = [];
  for (const op of ctx.tx.ops) {
    if (op.record === null) continue;
    if (op.collection === "events" && op.before === null) {
      const event = op.record as EventRecord;
      if (event.status === "pending" && isBlockingType(event.type)) {
        found.push({
          // A budget stop is its own happening, so a target can ask for it alone (it blocks like the others).
          happening: event.type === "budget" ? "budget" : "needs_input",
          projectId: event.projectId,
          item: { kind: "event", id: event.id, title: clip(event.title), text: clip(event.content), options: event.options.map(clip), priority: event.priority },
        });
      }
    } else if (op.collection === "work") {
      const item = op.record as WorkItemRecord;
      const before = op.before as WorkItemRecord | null;
      if (before?.state === item.state) continue;
      if (item.state === "completed" || item.state === "failed") {
        found.push({
          happening: item.state === "completed" ? "work_completed" : "work_failed",
          projectId: item.projectId,
          item: { kind: "work_item", id: item.id, title: firstLine(item.content), text: clip((item.state === "completed" ? item.result : item.error) ?? "") },
        });
      }
    } else if (op.collection === "sessions") {
      const session = op.record as SessionRecord;
      const before = op.before as SessionRecord | null;
      if (session.state === "error" && before?.state !== "error") {
        found.push({
          happening: "agent_error",
          projectId: session.projectId,
          item: { kind: "session", id: session.id, title: `agent of ${session.projectId} failed`, text: clip(session.stateReason ?? "") },
        });
      }
    }
  }
  return found;
}

/** Queues one happening for every target that wants it; needs-input joins a message still held back. */
export function enqueueHappening(ctx: DomainContext, targets: readonly NotificationTarget[], settings: PlanSettings, input: HappeningInput): void {
  const projectName = ctx.state.projects.get(input.projectId)?.name;
  for (const target of targets) {
    if (!wants(target, input, projectName)) continue;
    if (input.happening === "needs_input") {
      const open = openMessage(ctx, target.name, input.projectId);
      if (open) {
        const items = [...((open.payload.items as NotificationItem[]) ?? []), input.item];
        ctx.tx.put("outbox", { ...open, payload: { ...open.payload, items } });
        continue;
      }
    }
    const holdUntil = input.happening === "needs_input" ? new Date(Date.parse(ctx.now) + settings.coalesceMs).toISOString() : ctx.now;
    const record: OutboxRecord = {
      id: ctx.newId("notification"),
      target: target.name,
      happening: input.happening,
      projectId: input.projectId,
      state: "pending",
      attempts: 0,
      lastError: null,
      payload: { items: [input.item] },
      createdAt: ctx.now,
      holdUntil,
      nextAttemptAt: holdUntil,
      deliveredAt: null,
    };
    ctx.tx.put("outbox", record);
  }
}

function wants(target: NotificationTarget, input: HappeningInput, projectName: string | undefined): boolean {
  if (target.on.length > 0 && !target.on.includes(input.happening)) return false;
  if (target.projects.length === 0 || input.projectId === "") return true;
  return target.projects.includes(input.projectId) || (projectName !== undefined && target.projects.includes(projectName));
}

// A needs-input message of the project still held back (never attempted): later ones join it.
function openMessage(ctx: DomainContext, target: string, projectId: string): OutboxRecord | undefined {
  for (const record of ctx.state.collections.outbox.values()) {
    if (
      record.state === "pending" &&
      record.attempts === 0 &&
      record.happening === "needs_input" &&
      record.target === target &&
      record.projectId === projectId &&
      record.holdUntil > ctx.now
    ) {
      return record;
    }
  }
  return undefined;
}

function firstLine(text: string): string {
  const line = text.split("\n", 1)[0].trim();
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}

// The outbox keeps what a message needs, not whole results: no format sends more than this.
const MAX_TEXT = 4000;

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}
