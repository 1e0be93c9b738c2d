import { closeAgentFailure, failureReason, recordAgentFailure } from "./agent-failure-rules.js";
import { CONTINUE_PROMPT, MAX_ATTEMPTS, RETRY_PROMPT, type Effect, type Observation, type OpenQuestion, type TurnDecision, type TurnMemory } from "./agent-turn.js";
import { decideApproval } from "./approval-decision.js";
import type { DomainContext } from "./domain-context.js";
import { closeAnsweredInTerminal } from "./close-answered-in-terminal.js";
import { CommanderError } from "./commander-error.js";
import { dismissEvent, isBlocking, raiseEvent } from "./event-rules.js";
import { hookAnswer } from "./hook-answer.js";
import { markMessageDelivered, recordMessageReply, undeliveredMessages } from "./inbox-rules.js";
import { raisePermissionRequest } from "./permission-request.js";
import { firstBlockingEvent } from "./project-rules.js";
import type { EventType } from "./records.js";
import { moveSession, updateSession, type SessionPatch } from "./session-rules.js";
import { interruptedTurn, modelFailed, modelRetrying, paneAnswerUndeliverable, questionGaveUp, toolRan, workClosed } from "./turn-end-rules.js";
import { blockWork, completeWork, failWork, nextRunnableWork, requeueWork, startWork } from "./work-rules.js";

/**
 * The policy of an agent's turns, as one pure function: given what the session layer observed, it changes
 * the records (through the domain rules, inside the caller's transaction) and says what to do next.
 * Functional core of src/sessions/session-controller.ts: it never touches tmux, hooks or the clock.
 */
export function decideTurn(ctx: DomainContext, sessionId: string, memory: TurnMemory, observation: Observation): TurnDecision {
  if (observation.type === "stop_requested") return stopRequested(memory);
  const session = ctx.state.sessions.get(sessionId);
  // Nothing else is decided for a session that is gone (its project was unregistered).
  if (!session) return { memory: observation.type === "exited" ? { ...memory, exited: true } : memory, effects: [] };
  const live = !memory.stopping && !memory.exited;
  const none: TurnDecision = { memory, effects: [] };
  const turnWorkId = memory.turn?.kind === "work" ? memory.turn.workId : null;
  const projectId = session.projectId;

  switch (observation.type) {
    case "ready": {
      if (!live || session.state !== "starting") return none;
      // Dialogs answered in the terminal itself are over once the agent is ready.
      const leftOpen = memory.questions.filter((question) => question.startup);
      for (const question of leftOpen) if (ctx.state.events.get(question.eventId)?.status === "pending") dismissEvent(ctx, question.eventId);
      moveSession(ctx, sessionId, "ready", { stateReason: null });
      closeAgentFailure(ctx, sessionId);
      const effects: Effect[] = leftOpen.map((question) => ({ type: "forget_question", eventId: question.eventId }));
      if (memory.hooks) effects.push({ type: "stop_reading_screen" });
      effects.push({ type: "report_ready" });
      return { memory: { ...memory, questions: memory.questions.filter((question) => !question.startup) }, effects };
    }

    case "turn_possible": {
      const project = ctx.state.projects.get(projectId);
      if (!live || memory.turn || session.state !== "idle" || !project || project.state === "paused") return none;
      if (firstBlockingEvent(ctx.state, projectId)) return none;
      // Inbox messages first, at the turn boundary, then the next runnable item in dispatch order.
      const messages = undeliveredMessages(ctx.state, projectId);
      if (messages.length > 0) {
        for (const message of messages) markMessageDelivered(ctx, message.id, sessionId);
        moveSession(ctx, sessionId, "dispatch", { currentWorkId: null });
        const text = messages.length === 1 ? messages[0].content : messages.map((message) => `- ${message.content}`).join("\n");
        // A conversational agent is told where the text comes from; a plain program gets the text alone.
        return {
          memory: { ...memory, resumed: false, turn: { kind: "messages", messageIds: messages.map((message) => message.id) } },
          effects: [{ type: "reset_output" }, { type: "type_prompt", text: memory.hooks ? `Message from the user:\n${text}` : text }],
        };
      }
      const item = nextRunnableWork(ctx.state, projectId, Date.parse(ctx.now));
      if (!item) return none;
      // A conversation continued after a stop already holds the text of an item typed there before: the
      // model is asked to carry on rather than given the text a second time.
      const text = memory.heldWorkId === item.id ? RETRY_PROMPT : memory.resumed && item.attempts > 0 ? CONTINUE_PROMPT : item.content;
      startWork(ctx, item.id);
      moveSession(ctx, sessionId, "dispatch", { currentWorkId: item.id });
      return {
        memory: { ...memory, resumed: false, heldWorkId: null, deniedInPane: false, turn: { kind: "work", workId: item.id } },
        effects: [{ type: "reset_output" }, { type: "type_prompt", text }],
      };
    }

    case "dialog_shown": {
      const { question } = observation;
      if (!live || session.state !== "starting" || memory.questions.some((open) => open.key === question.key)) return none;
      const raised = raiseQuestion(ctx, sessionId, projectId, turnWorkId, question, true);
      updateSession(ctx, sessionId, { stateReason: `waiting for an answer to ${raised.eventId}: ${question.question}` });
      return {
        memory: { ...memory, questions: [...memory.questions, raised] },
        effects: [{ type: "await_answer", eventId: raised.eventId }, { type: "report_startup_question" }],
      };
    }

    case "asked": {
      if (!live || memory.questions.some((open) => open.key === observation.question.key)) return none;
      const raised = raiseQuestion(ctx, sessionId, projectId, turnWorkId, observation.question, false);
      waitOnAnswer(ctx, sessionId);
      return { memory: { ...memory, questions: [...memory.questions, raised] }, effects: [{ type: "await_answer", eventId: raised.eventId }] };
    }

    case "questions_vanished": {
      // A start-up dialog is redrawn often and may be missing from a screen mid-redraw: it is closed when
      // the agent becomes ready instead.
      const gone = memory.questions.filter((open) => open.source === "screen" && !open.startup && open.key !== observation.currentKey);
      if (gone.length === 0) return none;
      for (const open of gone) {
        if (ctx.state.events.get(open.eventId)?.status === "pending") dismissEvent(ctx, open.eventId);
      }
      resumeAfterAnswer(ctx, sessionId);
      return {
        memory: { ...memory, questions: memory.questions.filter((open) => !gone.includes(open)) },
        effects: gone.map((open) => ({ type: "forget_question", eventId: open.eventId })),
      };
    }

    case "permission_requested": {
      if (!live) return { memory, effects: [] };
      const { toolName } = observation;
      const { event, immediate } = raisePermissionRequest(ctx, { ...observation, sessionId, projectId, workId: turnWorkId });
      // A project policy rule answered it: nobody waits.
      if (immediate) return { memory, effects: [{ type: "answer_hook", eventId: event.id, decision: immediate }] };
      if (turnWorkId && ctx.state.work.get(turnWorkId)?.state === "in_progress") {
        blockWork(ctx, turnWorkId, event.id, `waiting on ${event.type} event ${event.id}: ${toolName}`);
      }
      waitOnAnswer(ctx, sessionId);
      const question: OpenQuestion = { eventId: event.id, source: "hook", key: event.id, startup: false, options: event.options, yesNo: event.type === "approval" };
      return { memory: { ...memory, questions: [...memory.questions, question] }, effects: [{ type: "await_answer", eventId: event.id }] };
    }

    case "question_abandoned":
      // The agent now shows its own dialog, which a person attached to the pane can still answer.
      return questionGaveUp(ctx, sessionId, memory, observation.eventId, live);

    case "turn_interrupted":
      return live ? interruptedTurn(ctx, sessionId, memory, observation.reason) : none;

    case "work_closed":
      return live ? workClosed(ctx, sessionId, memory, observation.workId) : none;

    case "tool_ran":
      return live ? toolRan(ctx, sessionId, memory, observation.toolName) : none;

    case "pane_answer_undeliverable":
      return live ? paneAnswerUndeliverable(ctx, sessionId, memory, observation.eventId) : none;

    case "model_retrying":
      return live ? modelRetrying(ctx, sessionId, memory, observation.text) : none;

    case "answered": {
      const open = memory.questions.find((question) => question.eventId === observation.eventId);
      if (!open) return none;
      const rest = withoutQuestion(memory, open.eventId);
      if (!open.startup) resumeAfterAnswer(ctx, sessionId);
      if (open.source === "pane") {
        // The hook call gave up: the answer is typed into the agent's own dialog.
        if (observation.status !== "resolved") return { memory: rest, effects: [{ type: "forget_question", eventId: open.eventId }] };
        const allow = decideApproval(observation.resolution).behavior === "allow";
        if (ctx.state.sessions.get(sessionId)?.stateReason?.includes(open.eventId)) updateSession(ctx, sessionId, { stateReason: null });
        return {
          memory: { ...rest, ...(allow ? {} : { deniedInPane: true }) },
          effects: [{ type: "reset_output" }, { type: "answer_pane_dialog", eventId: open.eventId, allow }],
        };
      }
      if (open.source === "hook") {
        const decision = hookAnswer(ctx, open.eventId, observation.status, observation.resolution);
        return { memory: rest, effects: [{ type: "answer_hook", eventId: open.eventId, decision }] };
      }
      if (observation.status !== "resolved") return { memory: rest, effects: [{ type: "forget_question", eventId: open.eventId }] };
      const optionIndex = chooseOption(open.options, open.yesNo, observation.resolution);
      // The turn's result is what the agent says after the last answer, not the question it asked.
      return {
        memory: rest,
        effects: [{ type: "reset_output" }, { type: "answer_screen", eventId: open.eventId, optionIndex, startup: open.startup }],
      };
    }

    case "turn_ended":
    case "turn_failed": {
      if (!live) return none;
      const workId = turnWorkId ?? session.currentWorkId;
      const item = workId ? ctx.state.work.get(workId) : undefined;
      let reasonAfter: string | null = null;
      if (observation.type === "turn_failed") reasonAfter = modelFailed(ctx, sessionId, item, observation);
      else if (item && (item.state === "in_progress" || item.state === "blocked")) completeWork(ctx, item.id, observation.message);
      // An inbox message's answer is kept with the message.
      if (observation.type === "turn_ended" && memory.turn?.kind === "messages") {
        for (const messageId of memory.turn.messageIds ?? []) recordMessageReply(ctx, messageId, observation.message);
      }
      // Approvals still waiting on a hook are moot once the turn is over; one whose dialog Claude Code
      // showed itself was answered in the terminal, since the turn went on.
      const waiting = memory.questions.filter((question) => question.source === "hook");
      for (const question of waiting) if (ctx.state.events.get(question.eventId)?.status === "pending") dismissEvent(ctx, question.eventId);
      const inPane = memory.questions.filter((question) => question.source === "pane");
      for (const question of inPane) closeAnsweredInTerminal(ctx, question.eventId, "the turn went on after the agent's own dialog");
      const current = ctx.state.sessions.get(sessionId)!;
      if (current.state === "busy" || current.state === "waiting") moveSession(ctx, sessionId, "ready", { currentWorkId: null, stateReason: reasonAfter });
      else if (reasonAfter !== null) updateSession(ctx, sessionId, { stateReason: reasonAfter });
      // A failed turn's item back in the queue is still in the conversation, unanswered.
      const held = observation.type === "turn_failed" && item && ctx.state.work.get(item.id)?.state === "queued" ? item.id : null;
      return {
        memory: { ...memory, heldWorkId: held, turn: null, questions: memory.questions.filter((question) => question.source === "screen") },
        effects: [
          ...waiting.map((question): Effect => ({ type: "answer_hook", eventId: question.eventId, decision: null })),
          ...inPane.map((question): Effect => ({ type: "forget_question", eventId: question.eventId })),
        ],
      };
    }

    case "error_shown": {
      if (!live || memory.turn?.kind !== "work") return none;
      const text = observation.lines.join("\n");
      raiseEvent(ctx, {
        projectId,
        type: "error",
        title: `The agent reported an error: ${observation.lines[0].slice(0, 120)}`,
        content: text,
        sessionId,
        workId: memory.turn.workId,
        context: { source: "screen" },
      });
      if (ctx.state.work.get(memory.turn.workId)?.state === "in_progress") failWork(ctx, memory.turn.workId, text);
      // The turn still ends when the agent shows its prompt again, but there is nothing left to record.
      return { memory: { ...memory, turn: { kind: "messages" } }, effects: [] };
    }

    case "prompt_submitted":
      // A person typing in the attached terminal starts a turn Commander did not dispatch.
      if (live && session.state === "idle") moveSession(ctx, sessionId, "dispatch");
      return none;

    case "conversation_changed":
      // Claude Code forks a new conversation id on /clear: keep the one to resume with.
      if (observation.agentSessionId !== session.agentSessionId) updateSession(ctx, sessionId, { agentSessionId: observation.agentSessionId });
      return none;

    case "notified": {
      // With no approval waiting on the hook (its call timed out), a human must answer in the attached pane.
      const waitingOnHook = memory.questions.some((question) => question.source === "hook");
      if (observation.permissionDialog && !waitingOnHook && session.state === "busy") {
        moveSession(ctx, sessionId, "wait", { stateReason: "the agent shows a permission dialog in its pane; answer it there" });
      } else {
        updateSession(ctx, sessionId, {});
      }
      return none;
    }

    case "session_ended":
      updateSession(ctx, sessionId, { stateReason: `the agent ended its session (${observation.reason})` });
      return none;

    case "stopped":
      releaseWork(ctx, sessionId, memory, observation.reason, observation.end, false, observation.stateReason ?? null);
      return { memory: { ...memory, turn: null, questions: [] }, effects: [] };

    case "exited": {
      if (memory.exited) return none;
      const effects = releaseHookWaiters(memory);
      const exited = { ...memory, exited: true };
      if (memory.stopping) return { memory: exited, effects };
      const failure = {
        projectId,
        sessionId,
        runtime: memory.runtimeName,
        status: observation.status,
        exitStatus: observation.exitStatus,
        exitSignal: observation.exitSignal,
        screen: observation.screen,
      };
      const reason = failureReason(failure);
      releaseWork(ctx, sessionId, memory, reason, "error", observation.paneKept);
      recordAgentFailure(ctx, failure);
      effects.push({ type: "report_exit", reason, paneKept: observation.paneKept });
      return { memory: { ...exited, turn: null, questions: [] }, effects };
    }
  }
}

function stopRequested(memory: TurnMemory): TurnDecision {
  if (memory.stopping) return { memory, effects: [] };
  const effects: Effect[] = releaseHookWaiters(memory);
  if (!memory.exited) effects.push({ type: "exit_agent" });
  return { memory: { ...memory, stopping: true }, effects };
}

function raiseQuestion(
  ctx: DomainContext,
  sessionId: string,
  projectId: string,
  workId: string | null,
  question: { key: string; question: string; options: string[]; yesNo: boolean; dialog: string | null },
  startup: boolean,
): OpenQuestion {
  const type: EventType = question.yesNo ? "approval" : "decision_needed";
  const raised = raiseEvent(ctx, {
    projectId,
    type,
    title: startup ? `The agent asks before starting: ${question.question}` : question.question,
    content: question.options.map((option, index) => `${index + 1}. ${option}`).join("\n"),
    options: question.options,
    sessionId,
    workId,
    context: { source: "screen", dialog: question.dialog, strict_options: !question.yesNo, startup },
  });
  if (workId && ctx.state.work.get(workId)?.state === "in_progress") {
    blockWork(ctx, workId, raised.id, `waiting on ${type} event ${raised.id}: ${question.question}`);
  }
  return { eventId: raised.id, source: "screen", key: question.key, startup, options: question.options, yesNo: question.yesNo };
}

function waitOnAnswer(ctx: DomainContext, sessionId: string): void {
  const state = ctx.state.sessions.get(sessionId)?.state;
  if (state === "busy" || state === "idle") moveSession(ctx, sessionId, "wait");
}

function resumeAfterAnswer(ctx: DomainContext, sessionId: string): void {
  if (ctx.state.sessions.get(sessionId)?.state === "waiting") moveSession(ctx, sessionId, "resume");
}

function withoutQuestion(memory: TurnMemory, eventId: string): TurnMemory {
  return { ...memory, questions: memory.questions.filter((question) => question.eventId !== eventId) };
}

/** Ends every waiting hook call without a decision (the agent shows its own dialog, or is gone). */
function releaseHookWaiters(memory: TurnMemory): Effect[] {
  return memory.questions
    .filter((question) => question.source === "hook")
    .map((question) => ({ type: "answer_hook", eventId: question.eventId, decision: null }));
}

/**
 * The agent stopped or died: its blocking questions are dismissed, and the item it worked on goes back to
 * the queue — or fails, after MAX_ATTEMPTS exits on the same item.
 */
function releaseWork(
  ctx: DomainContext,
  sessionId: string,
  memory: TurnMemory,
  reason: string,
  end: "stopped" | "error",
  paneKept: boolean,
  stoppedReason: string | null = null,
): void {
  const session = ctx.state.sessions.get(sessionId);
  for (const event of [...ctx.state.events.values()]) {
    if (event.sessionId === sessionId && isBlocking(event)) dismissEvent(ctx, event.id);
  }
  const workId = session?.currentWorkId ?? (memory.turn?.kind === "work" ? memory.turn.workId : null);
  const item = workId ? ctx.state.work.get(workId) : undefined;
  if (item && (item.state === "in_progress" || item.state === "blocked")) {
    if (end === "error" && item.attempts >= MAX_ATTEMPTS) failWork(ctx, item.id, `${reason}; gave up after ${item.attempts} attempts`);
    else requeueWork(ctx, item.id, `requeued: ${reason}`);
  }
  if (!session) return;
  const patch: SessionPatch = {
    tmuxTarget: paneKept ? session.tmuxTarget : "",
    pid: 0,
    currentWorkId: null,
    stateReason: end === "error" ? reason : stoppedReason,
  };
  if (end === "error" && session.state === "error") updateSession(ctx, sessionId, patch);
  else if (end === "error" && session.state !== "stopped") moveSession(ctx, sessionId, "fail", patch);
  else if (session.state !== "stopped") moveSession(ctx, sessionId, "stopped", patch);
  else if (stoppedReason !== null) updateSession(ctx, sessionId, { stateReason: stoppedReason });
}

/** The index of the option named by a resolution (its label, its number, or an approval's words). */
export function chooseOption(options: readonly string[], yesNo: boolean, resolution: string): number {
  const byLabel = options.findIndex((option) => option.toLowerCase() === resolution.toLowerCase());
  if (byLabel >= 0) return byLabel;
  if (/^\d+$/.test(resolution) && options[Number(resolution) - 1] !== undefined) return Number(resolution) - 1;
  if (yesNo) {
    const wanted = decideApproval(resolution).behavior === "allow" ? /^y/i : /^n/i;
    const option = options.findIndex((candidate) => wanted.test(candidate));
    if (option >= 0) return option;
  }
  throw new CommanderError("INVALID_RESOLUTION", `resolution: ${JSON.stringify(resolution)} is not one of the prompt's options`);
}
