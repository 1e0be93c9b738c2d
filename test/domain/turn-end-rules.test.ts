import { expect } from "chai";
import { decideAgentStart, STOPPED_BY_A_PERSON } from "../../src/domain/agent-start-rules.js";
import { CONTINUE_PROMPT, initialTurnMemory, RETRY_PROMPT, type Effect, type Observation, type TurnMemory } from "../../src/domain/agent-turn.js";
import { ANSWERED_IN_TERMINAL } from "../../src/domain/close-answered-in-terminal.js";
import { decideTurn } from "../../src/domain/decide-turn.js";
import { sendMessage } from "../../src/domain/inbox-rules.js";
import { classifyModelFailure, MAX_MODEL_TRIES, MODEL_BACKOFF_MS, modelBackoffMs } from "../../src/domain/model-failure.js";
import { nextBackoffEnd } from "../../src/domain/next-backoff-end.js";
import { registerProject } from "../../src/domain/project-rules.js";
import { createSession, moveSession } from "../../src/domain/session-rules.js";
import { addWork, completeWork, nextRunnableWork, startWork } from "../../src/domain/work-rules.js";
import { createDomainFixture } from "./domain-fixture.js";

// Turns that end without Claude Code's Stop hook, questions answered in the pane, model errors and
// "stop means stop": decisions of the turn policy, fed one observation at a time, without tmux.

function setup() {
  const fixture = createDomainFixture();
  const project = fixture.run((ctx) => registerProject(ctx, { resolvedPath: "/p", name: "", projectId: "", runtime: "claude-code" }));
  const session = fixture.run((ctx) => createSession(ctx, { projectId: project.id, runtime: "claude-code", agentSessionId: "conv-1" }));
  for (const action of ["launch", "ready"] as const) fixture.run((ctx) => moveSession(ctx, session.id, action));
  let memory: TurnMemory = initialTurnMemory("claude-code", true);
  const observe = (observation: Observation): Effect[] =>
    fixture.run((ctx) => {
      const decision = decideTurn(ctx, session.id, memory, observation);
      memory = decision.memory;
      return decision.effects;
    });
  const add = (content: string) => fixture.run((ctx) => addWork(ctx, { projectId: project.id, content, priority: "medium", dependsOn: [] })).id;
  const dispatch = (content = "build it") => {
    const id = add(content);
    observe({ type: "turn_possible" });
    return id;
  };
  const askPermission = (toolName = "Bash") => {
    observe({ type: "permission_requested", toolName, summary: "touch x", toolInput: { command: "touch x" }, suggestions: [] });
    return [...fixture.state.events.values()].at(-1)!;
  };
  return {
    ...fixture,
    projectId: project.id,
    sessionId: session.id,
    observe,
    add,
    dispatch,
    askPermission,
    memory: () => memory,
    setMemory: (next: Partial<TurnMemory>) => (memory = { ...memory, ...next }),
    session: () => fixture.state.sessions.get(session.id)!,
    work: (id: string) => fixture.state.work.get(id)!,
    event: (id: string) => fixture.state.events.get(id)!,
    now: () => Date.parse(fixture.run((ctx) => ctx.now)),
  };
}

describe("turn policy: turns that end without a Stop hook", () => {
  describe("interrupted in the terminal", () => {
    it("requeues the item with the reason, frees the session and dispatches the next turn", () => {
      const t = setup();
      const first = t.dispatch("first");
      const second = t.add("second");
      const effects = t.observe({ type: "turn_interrupted", reason: "the turn was interrupted in the terminal (Esc)" });
      expect(effects).to.deep.equal([{ type: "reset_output" }]);
      expect(t.work(first)).to.include({ state: "queued", stateReason: "requeued: the turn was interrupted in the terminal (Esc)" });
      expect(t.session()).to.include({ state: "idle", currentWorkId: null });
      expect(t.memory().turn).to.equal(null);
      const next = t.observe({ type: "turn_possible" });
      expect(next.some((effect) => effect.type === "type_prompt")).to.equal(true);
      expect(t.session().currentWorkId).to.be.oneOf([first, second]);
    });

    it("closes the pending approval as answered in the terminal and releases its hook call", () => {
      const t = setup();
      const id = t.dispatch();
      const event = t.askPermission();
      expect(t.work(id).state).to.equal("blocked");
      const effects = t.observe({ type: "turn_interrupted", reason: "Esc on the dialog" });
      expect(effects).to.deep.include({ type: "answer_hook", eventId: event.id, decision: null });
      expect(t.event(event.id)).to.include({ status: "resolved", resolution: ANSWERED_IN_TERMINAL });
      expect(t.event(event.id).context).to.include({ resolved_in: "terminal", terminal_action: "Esc on the dialog" });
      expect(t.work(id).state).to.equal("queued");
      expect(t.session().state).to.equal("idle");
    });

    it("does nothing without a turn in progress", () => {
      const t = setup();
      expect(t.observe({ type: "turn_interrupted", reason: "x" })).to.deep.equal([]);
      expect(t.session().state).to.equal("idle");
    });
  });

  describe("item closed through the API", () => {
    it("frees the session, dismisses the turn's approval and interrupts the agent if it still works", () => {
      const t = setup();
      const id = t.dispatch();
      const event = t.askPermission();
      t.run((ctx) => completeWork(ctx, id, "done by hand"));
      const effects = t.observe({ type: "work_closed", workId: id });
      expect(effects).to.deep.include({ type: "interrupt_agent" });
      expect(effects).to.deep.include({ type: "answer_hook", eventId: event.id, decision: null });
      expect(t.event(event.id).status).to.equal("dismissed");
      expect(t.session()).to.include({ state: "idle", currentWorkId: null });
      expect(t.work(id)).to.include({ state: "completed", result: "done by hand" });
    });

    it("ignores an item that is not the turn's, or not finished", () => {
      const t = setup();
      const id = t.dispatch();
      const other = t.add("other");
      expect(t.observe({ type: "work_closed", workId: other })).to.deep.equal([]);
      expect(t.observe({ type: "work_closed", workId: id })).to.deep.equal([]);
      expect(t.session().state).to.equal("busy");
    });
  });

  describe("answered in the pane", () => {
    it("closes the approval of the tool that ran as answered in the terminal and resumes the turn", () => {
      const t = setup();
      t.dispatch();
      const event = t.askPermission("Bash");
      expect(t.observe({ type: "tool_ran", toolName: "Write" })).to.deep.equal([]);
      expect(t.observe({ type: "tool_ran", toolName: "Bash" })).to.deep.equal([{ type: "answer_hook", eventId: event.id, decision: null }]);
      expect(t.event(event.id)).to.include({ status: "resolved", resolution: ANSWERED_IN_TERMINAL });
      expect(t.session().state).to.equal("busy");
      expect(t.memory().questions).to.deep.equal([]);
    });
  });

  describe("hook timeout", () => {
    it("keeps the event open when the hook call gives up, and types a later answer into the agent's dialog", () => {
      const t = setup();
      const id = t.dispatch();
      const event = t.askPermission();
      expect(t.observe({ type: "question_abandoned", eventId: event.id })).to.deep.equal([]);
      expect(t.event(event.id).status).to.equal("pending");
      expect(t.session().stateReason).to.include(event.id).and.include("its own dialog");
      expect(t.memory().questions.map((question) => question.source)).to.deep.equal(["pane"]);
      t.run((ctx) => ctx.tx.put("events", { ...t.event(event.id), status: "resolved", resolution: "allow" }));
      const effects = t.observe({ type: "answered", eventId: event.id, status: "resolved", resolution: "allow" });
      expect(effects).to.deep.equal([{ type: "reset_output" }, { type: "answer_pane_dialog", eventId: event.id, allow: true }]);
      expect(t.session()).to.include({ state: "busy", stateReason: null });
      expect(t.work(id).state).to.be.oneOf(["blocked", "in_progress"]);
    });

    it("says so on the event and the session when the late answer found no dialog to type into", () => {
      const t = setup();
      t.dispatch();
      const event = t.askPermission();
      t.observe({ type: "question_abandoned", eventId: event.id });
      t.observe({ type: "answered", eventId: event.id, status: "resolved", resolution: "allow" });
      t.observe({ type: "pane_answer_undeliverable", eventId: event.id });
      expect(t.event(event.id).context.undeliverable).to.include("no longer on screen");
      expect(t.session().stateReason).to.include(event.id).and.include("could not be delivered");
    });

    it("types a denial as the dialog's No", () => {
      const t = setup();
      t.dispatch();
      const event = t.askPermission();
      t.observe({ type: "question_abandoned", eventId: event.id });
      const effects = t.observe({ type: "answered", eventId: event.id, status: "resolved", resolution: "no, not that" });
      expect(effects).to.deep.include({ type: "answer_pane_dialog", eventId: event.id, allow: false });
    });

    it("fails the item when the denial typed into the dialog ended the turn, instead of asking again", () => {
      const t = setup();
      const id = t.dispatch();
      const event = t.askPermission();
      t.observe({ type: "question_abandoned", eventId: event.id });
      t.observe({ type: "answered", eventId: event.id, status: "resolved", resolution: "deny" });
      t.observe({ type: "turn_interrupted", reason: "Esc" });
      expect(t.work(id).state).to.equal("failed");
      expect(t.work(id).error).to.include("denied in the agent's own dialog");
      expect(t.memory().deniedInPane).to.equal(false);
    });

    it("closes the still-open event as answered in the terminal when the turn ends anyway", () => {
      const t = setup();
      const id = t.dispatch();
      const event = t.askPermission();
      t.observe({ type: "question_abandoned", eventId: event.id });
      t.observe({ type: "turn_ended", message: "done" });
      expect(t.event(event.id)).to.include({ status: "resolved", resolution: ANSWERED_IN_TERMINAL });
      expect(t.work(id).state).to.equal("completed");
    });
  });

  describe("model errors", () => {
    it("requeues an item with a back-off on an overloaded model API, with the error text", () => {
      const t = setup();
      const id = t.dispatch();
      const text = "API Error: 529 Overloaded. This is a server-side issue, usually temporary";
      t.observe({ type: "turn_failed", reason: "the agent's turn failed: server_error", category: "server_error", text });
      const item = t.work(id);
      expect(item.state).to.equal("queued");
      expect(item.stateReason).to.include(text);
      const next = Date.parse(item.notBefore!);
      expect(next - t.now()).to.be.within(MODEL_BACKOFF_MS - 3000, MODEL_BACKOFF_MS);
      expect(t.session().state).to.equal("idle");
      expect(t.session().stateReason).to.include("529 Overloaded").and.include(item.notBefore!);
      // Not dispatched before its time, then dispatched.
      expect(nextRunnableWork(t.state, t.projectId, next - 1)).to.equal(undefined);
      expect(nextRunnableWork(t.state, t.projectId, next)?.id).to.equal(id);
      expect(nextBackoffEnd(t.state, t.projectId, next - 1)).to.equal(next);
      expect(decideAgentStart(t.state, t.projectId, undefined, next - 1)).to.deep.equal({ start: false, retryInMs: null });
    });

    it("does not type the text of an item whose turn failed again: Claude Code resends the failed prompt itself", () => {
      const t = setup();
      const id = t.dispatch("build it");
      t.observe({ type: "turn_failed", reason: "failed", category: "rate_limit", text: "API Error: 429" });
      t.run((ctx) => ctx.tx.put("work", { ...t.work(id), notBefore: null }));
      expect(t.observe({ type: "turn_possible" })).to.deep.include({ type: "type_prompt", text: RETRY_PROMPT });
    });

    it("fails the item after MAX_MODEL_TRIES overloaded tries", () => {
      const t = setup();
      const id = t.add("x");
      for (let attempt = 1; attempt <= MAX_MODEL_TRIES; attempt++) {
        t.run((ctx) => ctx.tx.put("work", { ...t.work(id), notBefore: null }));
        t.observe({ type: "turn_possible" });
        t.observe({ type: "turn_failed", reason: "failed", category: "rate_limit", text: "API Error: 429 rate limited" });
      }
      expect(t.work(id)).to.include({ state: "failed" });
      expect(t.work(id).error).to.include("429");
    });

    it("raises one error event for an authentication failure and keeps the item queued", () => {
      const t = setup();
      const id = t.dispatch();
      t.observe({ type: "turn_failed", reason: "failed", category: "authentication_failed", text: "API Error: 401 Invalid API key" });
      // The same failure again (the item was started by hand): still one event.
      t.run((ctx) => startWork(ctx, id));
      t.run((ctx) => moveSession(ctx, t.sessionId, "dispatch", { currentWorkId: id }));
      t.setMemory({ turn: { kind: "work", workId: id } });
      t.observe({ type: "turn_failed", reason: "failed", category: "authentication_failed", text: "API Error: 401 Invalid API key" });
      const errors = [...t.state.events.values()].filter((event) => event.type === "error");
      expect(errors).to.have.length(1);
      expect(errors[0]).to.include({ status: "pending", sessionId: t.sessionId });
      expect(errors[0].title).to.include("401");
      expect(t.work(id).state).to.equal("queued");
    });

    it("fails the item on other errors, keeping the API's text", () => {
      const t = setup();
      const id = t.dispatch();
      t.observe({ type: "turn_failed", reason: "the agent's turn failed: invalid_request", category: "invalid_request", text: "API Error: 400 bad" });
      expect(t.work(id).state).to.equal("failed");
      expect(t.work(id).error).to.include("API Error: 400 bad");
    });

    it("shows the retrying model API in the session's and the item's state_reason", () => {
      const t = setup();
      const id = t.dispatch();
      t.observe({ type: "model_retrying", text: "API Error: 529 Overloaded · retrying in 7s · attempt 5/10" });
      expect(t.session().stateReason).to.include("retrying in 7s");
      expect(t.work(id).stateReason).to.include("attempt 5/10");
    });

    it("classifies Claude Code's failures", () => {
      const table: Array<[string, string, string]> = [
        ["rate_limit", "", "transient"],
        ["server_error", "API Error: 529 Overloaded", "transient"],
        ["server_error", "API Error: 500 Internal server error", "other"],
        ["authentication_failed", "", "access"],
        ["billing_error", "", "access"],
        ["unknown", "Invalid API key · Please run /login", "access"],
        ["invalid_request", "prompt is too long", "other"],
      ];
      for (const [category, text, kind] of table) expect(classifyModelFailure(category, text), `${category} ${text}`).to.equal(kind);
      expect([1, 2, 3, 10].map(modelBackoffMs)).to.deep.equal([5000, 10_000, 20_000, 300_000]);
    });
  });

  describe("re-dispatch after a stop", () => {
    it("asks a resumed conversation to carry on with an item it already received, instead of typing it again", () => {
      const t = setup();
      const id = t.dispatch("build it");
      t.observe({ type: "stop_requested" });
      t.observe({ type: "stopped", reason: "the session was stopped", end: "stopped" });
      expect(t.work(id).state).to.equal("queued");
      t.run((ctx) => moveSession(ctx, t.sessionId, "launch", { stateReason: null }));
      t.run((ctx) => moveSession(ctx, t.sessionId, "ready"));
      t.setMemory(initialTurnMemory("claude-code", true, true));
      expect(t.observe({ type: "turn_possible" })).to.deep.include({ type: "type_prompt", text: CONTINUE_PROMPT });
      t.observe({ type: "turn_ended", message: "built" });
      // Only the first turn after the start: a new item is typed as it is.
      t.add("test it");
      expect(t.observe({ type: "turn_possible" })).to.deep.include({ type: "type_prompt", text: "test it" });
    });

    it("types the text of an item never typed before, even into a resumed conversation", () => {
      const t = setup();
      t.setMemory(initialTurnMemory("claude-code", true, true));
      t.add("fresh");
      expect(t.observe({ type: "turn_possible" })).to.deep.include({ type: "type_prompt", text: "fresh" });
    });
  });

  describe("inbox reply", () => {
    it("keeps the agent's answer with the messages of the turn", () => {
      const t = setup();
      const message = t.run((ctx) => sendMessage(ctx, { projectId: t.projectId, content: "how is it going?", priority: null, sessionId: "" }));
      t.observe({ type: "turn_possible" });
      t.observe({ type: "turn_ended", message: "All good." });
      expect(t.state.inbox.get(message.id)).to.include({ state: "delivered", reply: "All good." });
    });
  });

  describe("stop means stop", () => {
    it("a session a person stopped is not started for queued work; one that stopped by itself is", () => {
      const t = setup();
      t.dispatch();
      t.observe({ type: "stop_requested" });
      t.observe({ type: "stopped", reason: "the session was stopped", end: "stopped", stateReason: STOPPED_BY_A_PERSON });
      expect(t.session()).to.include({ state: "stopped", stateReason: STOPPED_BY_A_PERSON });
      expect(decideAgentStart(t.state, t.projectId, undefined, t.now())).to.deep.equal({ start: false, retryInMs: null });
      t.run((ctx) => moveSession(ctx, t.sessionId, "launch", { stateReason: null }));
      t.run((ctx) => moveSession(ctx, t.sessionId, "stopped", { stateReason: "the daemon restarted" }));
      expect(decideAgentStart(t.state, t.projectId, undefined, t.now())).to.deep.equal({ start: true });
    });
  });
});
