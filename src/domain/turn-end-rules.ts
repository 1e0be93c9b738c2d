import type { Effect, Observation, OpenQuestion, TurnDecision, TurnMemory } from "./agent-turn.js";
import { closeAnsweredInTerminal } from "./close-answered-in-terminal.js";
import type { DomainContext } from "./domain-context.js";
import { dismissEvent, raiseEvent } from "./event-rules.js";
import { classifyModelFailure, MAX_MODEL_TRIES, modelBackoffMs } from "./model-failure.js";
import type { WorkItemRecord } from "./records.js";
import { moveSession, updateSession } from "./session-rules.js";
import { failWork, noteWork, requeueWork } from "./work-rules.js";

// Turns that end some other way than Claude Code's `Stop` hook, and questions answered outside Commander.
// Part of the turn policy (decide-turn.ts); pure: records change through the domain rules, effects out.

const FINISHED = new Set(["completed", "failed", "cancelled"]);

/** The turn ended without a `Stop` hook (Esc in the pane, a plan rejected there): the item goes back to the queue. */
export function interruptedTurn(ctx: DomainContext, sessionId: string, memory: TurnMemory, reason: string): TurnDecision {
  if (!memory.turn) return { memory, effects: [] };
  const effects = closeTurnQuestions(ctx, memory, (eventId) => closeAnsweredInTerminal(ctx, eventId, reason));
  const item = turnItem(ctx, sessionId, memory);
  if (item && (item.state === "in_progress" || item.state === "blocked")) {
    // A person's "No" typed into the agent's dialog ended the turn: the item fails, rather than asking again.
    if (memory.deniedInPane) failWork(ctx, item.id, `the approval was denied in the agent's own dialog and the turn ended there (${reason})`);
    else requeueWork(ctx, item.id, `requeued: ${reason}`);
  }
  endSessionTurn(ctx, sessionId, null);
  effects.push({ type: "reset_output" });
  return { memory: { ...memory, deniedInPane: false, turn: null, questions: memory.questions.filter((question) => question.startup) }, effects };
}

/**
 * The turn's item was completed, failed or cancelled through the API: the session is free again. Its open
 * questions are dismissed and the agent, if still busy with it, is interrupted.
 */
export function workClosed(ctx: DomainContext, sessionId: string, memory: TurnMemory, workId: string): TurnDecision {
  const item = ctx.state.work.get(workId);
  if (memory.turn?.kind !== "work" || memory.turn.workId !== workId || !item || !FINISHED.has(item.state)) return { memory, effects: [] };
  const effects = closeTurnQuestions(ctx, memory, (eventId) => dismissEvent(ctx, eventId));
  endSessionTurn(ctx, sessionId, null);
  effects.push({ type: "interrupt_agent" }, { type: "reset_output" });
  return { memory: { ...memory, turn: null, questions: memory.questions.filter((question) => question.startup) }, effects };
}

/** A tool ran (or was refused) while its approval was open: a person answered the dialog in the pane. */
export function toolRan(ctx: DomainContext, sessionId: string, memory: TurnMemory, toolName: string): TurnDecision {
  const open = memory.questions.find(
    (question) =>
      question.source !== "screen" &&
      ctx.state.events.get(question.eventId)?.status === "pending" &&
      ctx.state.events.get(question.eventId)?.context.tool_name === toolName,
  );
  if (!open) return { memory, effects: [] };
  closeAnsweredInTerminal(ctx, open.eventId, `${toolName} was answered in the agent's pane`);
  if (ctx.state.sessions.get(sessionId)?.state === "waiting") moveSession(ctx, sessionId, "resume", { stateReason: null });
  const effects: Effect[] =
    open.source === "hook" ? [{ type: "answer_hook", eventId: open.eventId, decision: null }] : [{ type: "forget_question", eventId: open.eventId }];
  return { memory: withoutQuestion(memory, open.eventId), effects };
}

/**
 * The hook call waiting on a question ended without an answer: Claude Code gave up waiting (the hook's
 * timeout) and shows its own dialog. The event stays open; a later answer is typed into that dialog.
 */
export function questionGaveUp(ctx: DomainContext, sessionId: string, memory: TurnMemory, eventId: string, live: boolean): TurnDecision {
  const open = memory.questions.find((question) => question.eventId === eventId);
  const event = ctx.state.events.get(eventId);
  if (!open || !live || !memory.turn || event?.status !== "pending") return { memory: withoutQuestion(memory, eventId), effects: [] };
  updateSession(ctx, sessionId, {
    stateReason:
      `Claude Code stopped waiting for the answer to ${eventId} and shows its own dialog: ` +
      "answer it in the pane, or resolve the event (the answer is typed into the dialog)",
  });
  const moved: OpenQuestion = { ...open, source: "pane" };
  return { memory: { ...memory, questions: memory.questions.map((question) => (question === open ? moved : question)) }, effects: [] };
}

/** A late answer found no dialog to type into: the session says so (the resolve answered `session_resumed: false`). */
export function paneAnswerUndeliverable(ctx: DomainContext, sessionId: string, memory: TurnMemory, eventId: string): TurnDecision {
  const event = ctx.state.events.get(eventId);
  if (event) {
    // The resolved event, updated: published again as `event_resolved` (same id), so watchers see why.
    const updated = { ...event, context: { ...event.context, undeliverable: "the agent's own dialog was no longer on screen" } };
    ctx.tx.put("events", updated);
    ctx.tx.change("event_resolved", updated.projectId, { type: "event", record: updated });
  }
  updateSession(ctx, sessionId, { stateReason: `the answer to ${eventId} could not be delivered: the agent's own dialog was no longer on screen` });
  return { memory, effects: [] };
}

/** The agent retries the model API: the error and the countdown go into the session's and the item's state_reason. */
export function modelRetrying(ctx: DomainContext, sessionId: string, memory: TurnMemory, text: string): TurnDecision {
  const reason = `the model API failed, Claude Code retries: ${text}`.slice(0, 500);
  const session = ctx.state.sessions.get(sessionId);
  if (!memory.turn || !session || session.stateReason === reason) return { memory, effects: [] };
  updateSession(ctx, sessionId, { stateReason: reason });
  const item = turnItem(ctx, sessionId, memory);
  if (item?.state === "in_progress") noteWork(ctx, item.id, reason);
  return { memory, effects: [] };
}

/**
 * The model call of a turn failed for good (`StopFailure`). Overloaded or rate-limited: the item goes back
 * to the queue with a back-off (`notBefore`), failing only after MAX_MODEL_TRIES tries. Authentication or
 * billing: the item goes back to the queue and one `error` event (per session) says a person must act.
 * Anything else fails the item. Returns the session's `state_reason` once the turn is over.
 */
export function modelFailed(
  ctx: DomainContext,
  sessionId: string,
  item: WorkItemRecord | undefined,
  observation: Extract<Observation, { type: "turn_failed" }>,
): string | null {
  const text = observation.text?.trim() || observation.reason;
  const kind = classifyModelFailure(observation.category ?? "", observation.text ?? "");
  const active = item && (item.state === "in_progress" || item.state === "blocked") ? item : undefined;
  if (kind === "transient" && active && active.attempts < MAX_MODEL_TRIES) {
    const next = new Date(Date.parse(ctx.now) + modelBackoffMs(active.attempts)).toISOString();
    requeueWork(ctx, active.id, `requeued after a model API error (next try at ${next}): ${text}`.slice(0, 1000), next);
    return `the model API failed: ${text}; the item is tried again at ${next}`.slice(0, 1000);
  }
  if (kind === "access") {
    if (active) requeueWork(ctx, active.id, `requeued: the model API refused access: ${text}`.slice(0, 1000));
    const session = ctx.state.sessions.get(sessionId);
    const already = [...ctx.state.events.values()].some(
      (event) => event.sessionId === sessionId && event.status === "pending" && event.type === "error" && event.context.model_access === true,
    );
    if (session && !already) {
      raiseEvent(ctx, {
        projectId: session.projectId,
        type: "error",
        title: `The model API refused access: ${text.slice(0, 120)}`,
        content: `${text}\n\nFix the API key or the account, then resolve this event: the work waits until then.`,
        sessionId,
        workId: active?.id ?? null,
        context: { source: "hook", model_access: true, category: observation.category ?? "" },
      });
    }
    return `the model API refused access: ${text}`.slice(0, 1000);
  }
  if (active) failWork(ctx, active.id, observation.text ? `${observation.reason}: ${observation.text}` : observation.reason);
  return observation.text ? `the last turn failed: ${text}`.slice(0, 1000) : null;
}

function turnItem(ctx: DomainContext, sessionId: string, memory: TurnMemory): WorkItemRecord | undefined {
  const workId = memory.turn?.kind === "work" ? memory.turn.workId : ctx.state.sessions.get(sessionId)?.currentWorkId;
  return workId ? ctx.state.work.get(workId) : undefined;
}

/** Closes the turn's open questions (not start-up dialogs) with `close`, and says what the shell must release. */
function closeTurnQuestions(ctx: DomainContext, memory: TurnMemory, close: (eventId: string) => unknown): Effect[] {
  const effects: Effect[] = [];
  for (const question of memory.questions) {
    if (question.startup) continue;
    if (ctx.state.events.get(question.eventId)?.status === "pending") close(question.eventId);
    effects.push(
      question.source === "hook"
        ? { type: "answer_hook", eventId: question.eventId, decision: null }
        : { type: "forget_question", eventId: question.eventId },
    );
  }
  return effects;
}

function endSessionTurn(ctx: DomainContext, sessionId: string, stateReason: string | null): void {
  const session = ctx.state.sessions.get(sessionId);
  if (session && (session.state === "busy" || session.state === "waiting")) moveSession(ctx, sessionId, "ready", { currentWorkId: null, stateReason });
}

function withoutQuestion(memory: TurnMemory, eventId: string): TurnMemory {
  return { ...memory, questions: memory.questions.filter((question) => question.eventId !== eventId) };
}
