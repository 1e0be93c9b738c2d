import { expect } from "chai";
import { initialTurnMemory, MAX_ATTEMPTS, type Effect, type Observation, type TurnMemory } from "../../src/domain/agent-turn.js";
import { chooseOption, decideTurn } from "../../src/domain/decide-turn.js";
import { raiseEvent } from "../../src/domain/event-rules.js";
import { sendMessage } from "../../src/domain/inbox-rules.js";
import { pauseProject, registerProject } from "../../src/domain/project-rules.js";
import type { SessionState } from "../../src/domain/records.js";
import { createSession, moveSession } from "../../src/domain/session-rules.js";
import { addWork, startWork } from "../../src/domain/work-rules.js";
import { createDomainFixture } from "./domain-fixture.js";

// The turn policy without tmux: each case sets up records, feeds one observation and checks the records
// and the effects. These cover every decision the session controller made before it became a shell.

const PATHS_TO: Record<SessionState, Array<"launch" | "ready" | "dispatch" | "wait" | "stop" | "fail">> = {
  stopped: [],
  starting: ["launch"],
  idle: ["launch", "ready"],
  busy: ["launch", "ready", "dispatch"],
  waiting: ["launch", "ready", "dispatch", "wait"],
  stopping: ["launch", "stop"],
  error: ["launch", "fail"],
};

function setup({ sessionState = "idle" as SessionState, hooks = false } = {}) {
  const fixture = createDomainFixture();
  const project = fixture.run((ctx) => registerProject(ctx, { resolvedPath: "/p", name: "", projectId: "", runtime: "shell" }));
  const session = fixture.run((ctx) => createSession(ctx, { projectId: project.id, runtime: "shell", agentSessionId: "conv-1" }));
  for (const action of PATHS_TO[sessionState]) fixture.run((ctx) => moveSession(ctx, session.id, action));
  let memory: TurnMemory = initialTurnMemory("shell", hooks);
  const observe = (observation: Observation): Effect[] =>
    fixture.run((ctx) => {
      const decision = decideTurn(ctx, session.id, memory, observation);
      memory = decision.memory;
      return decision.effects;
    });
  const add = (content: string, priority: "low" | "medium" | "high" | "critical" = "medium") =>
    fixture.run((ctx) => addWork(ctx, { projectId: project.id, content, priority, dependsOn: [] }));
  return {
    ...fixture,
    project,
    sessionId: session.id,
    observe,
    add,
    memory: () => memory,
    setMemory: (next: Partial<TurnMemory>) => (memory = { ...memory, ...next }),
    session: () => fixture.state.sessions.get(session.id)!,
    work: (id: string) => fixture.state.work.get(id)!,
    events: () => [...fixture.state.events.values()],
  };
}

const YES_NO = { key: "proceed", question: "Proceed? (y/n)", options: ["y", "n"], yesNo: true, dialog: null };
const CHOICE = { key: "colour", question: "Which colour?", options: ["Red", "Blue"], yesNo: false, dialog: null };

/** Dispatches `content` as the current turn and returns the item id. */
function dispatched(t: ReturnType<typeof setup>, content = "build it"): string {
  const item = t.add(content);
  t.observe({ type: "turn_possible" });
  return item.id;
}

describe("turn policy (decideTurn)", () => {
  describe("ready", () => {
    it("moves a starting session to idle, closes leftover start-up questions and reports ready", () => {
      const t = setup({ sessionState: "starting" });
      t.observe({ type: "dialog_shown", question: { ...CHOICE, dialog: "folder-trust" } });
      const question = t.events()[0];
      const effects = t.observe({ type: "ready" });
      expect(t.session().state).to.equal("idle");
      expect(t.state.events.get(question.id)?.status).to.equal("dismissed");
      expect(effects).to.deep.equal([{ type: "forget_question", eventId: question.id }, { type: "report_ready" }]);
      expect(t.memory().questions).to.deep.equal([]);
    });

    it("stops reading the screen of a hook runtime once it is ready", () => {
      const t = setup({ sessionState: "starting", hooks: true });
      expect(t.observe({ type: "ready" })).to.deep.equal([{ type: "stop_reading_screen" }, { type: "report_ready" }]);
    });

    it("ignores a ready screen once the session is past starting", () => {
      const t = setup({ sessionState: "busy" });
      expect(t.observe({ type: "ready" })).to.deep.equal([]);
      expect(t.session().state).to.equal("busy");
    });

    it("resolves the session's open instance_error", () => {
      const t = setup({ sessionState: "starting" });
      const failure = t.run((ctx) =>
        raiseEvent(ctx, { projectId: t.project.id, type: "instance_error", title: "exited", sessionId: t.sessionId, context: { count: 1 } }),
      );
      t.observe({ type: "ready" });
      expect(t.state.events.get(failure.id)?.status).to.equal("resolved");
    });
  });

  describe("dispatch", () => {
    it("starts the best runnable item: priority first, then age, and types its content", () => {
      const t = setup();
      t.add("low one", "low");
      const high = t.add("high one", "high");
      t.add("second high", "high");
      const effects = t.observe({ type: "turn_possible" });
      expect(effects).to.deep.equal([{ type: "reset_output" }, { type: "type_prompt", text: "high one" }]);
      expect(t.work(high.id)).to.include({ state: "in_progress", attempts: 1 });
      expect(t.session()).to.include({ state: "busy", currentWorkId: high.id });
      expect(t.memory().turn).to.deep.equal({ kind: "work", workId: high.id });
    });

    it("delivers undelivered inbox messages before the next item, as one turn", () => {
      const t = setup();
      const item = t.add("work");
      t.run((ctx) => sendMessage(ctx, { projectId: t.project.id, content: "first", priority: null, sessionId: "" }));
      t.run((ctx) => sendMessage(ctx, { projectId: t.project.id, content: "second", priority: null, sessionId: "" }));
      const effects = t.observe({ type: "turn_possible" });
      expect(effects).to.deep.equal([{ type: "reset_output" }, { type: "type_prompt", text: "- first\n- second" }]);
      expect([...t.state.inbox.values()].every((message) => message.state === "delivered")).to.equal(true);
      expect(t.work(item.id).state).to.equal("queued");
      expect(t.session()).to.include({ state: "busy", currentWorkId: null });
      expect(t.memory().turn).to.deep.include({ kind: "messages" });
    });

    it("tells a conversational (hook) agent where a message comes from", () => {
      const t = setup({ hooks: true });
      t.run((ctx) => sendMessage(ctx, { projectId: t.project.id, content: "hello", priority: null, sessionId: "" }));
      expect(t.observe({ type: "turn_possible" })).to.deep.include({ type: "type_prompt", text: "Message from the user:\nhello" });
    });

    const refusals: Array<[string, (t: ReturnType<typeof setup>) => void, SessionState]> = [
      ["the session is busy", () => undefined, "busy"],
      ["the session is starting", () => undefined, "starting"],
      ["a turn is in progress", (t) => t.setMemory({ turn: { kind: "messages" } }), "idle"],
      ["the agent is stopping", (t) => t.setMemory({ stopping: true }), "idle"],
      ["the agent exited", (t) => t.setMemory({ exited: true }), "idle"],
      ["the project is paused", (t) => t.run((ctx) => pauseProject(ctx, t.project.id, "")), "idle"],
      [
        "a blocking event is pending",
        (t) => t.run((ctx) => raiseEvent(ctx, { projectId: t.project.id, type: "decision_needed", title: "?" })),
        "idle",
      ],
    ];
    for (const [why, arrange, sessionState] of refusals) {
      it(`dispatches nothing while ${why}`, () => {
        const t = setup({ sessionState });
        const item = t.add("work");
        arrange(t);
        expect(t.observe({ type: "turn_possible" })).to.deep.equal([]);
        expect(t.work(item.id).state).to.equal("queued");
      });
    }

    it("dispatches nothing when nothing is runnable", () => {
      const t = setup();
      expect(t.observe({ type: "turn_possible" })).to.deep.equal([]);
      expect(t.session().state).to.equal("idle");
    });
  });

  describe("block and answer", () => {
    it("turns an on-screen question into a blocking event, blocks the item and waits", () => {
      const t = setup();
      const id = dispatched(t);
      const effects = t.observe({ type: "asked", question: CHOICE });
      const event = t.events()[0];
      expect(event).to.include({ type: "decision_needed", title: "Which colour?", workId: id });
      expect(event.options).to.deep.equal(["Red", "Blue"]);
      expect(effects).to.deep.equal([{ type: "await_answer", eventId: event.id }]);
      expect(t.work(id)).to.include({ state: "blocked", blockedByEventId: event.id });
      expect(t.session().state).to.equal("waiting");
      // The same question redrawn is not asked twice.
      expect(t.observe({ type: "asked", question: CHOICE })).to.deep.equal([]);
    });

    it("raises a yes/no question as an approval", () => {
      const t = setup();
      dispatched(t);
      t.observe({ type: "asked", question: YES_NO });
      expect(t.events()[0].type).to.equal("approval");
    });

    it("answers an on-screen question with the chosen option and resumes the turn", () => {
      const t = setup();
      const id = dispatched(t);
      t.observe({ type: "asked", question: CHOICE });
      const event = t.events()[0];
      t.run((ctx) => {
        // What the event service does on resolve: the item is unblocked by closing the event.
        ctx.tx.put("events", { ...event, status: "resolved", resolution: "Blue" });
      });
      const effects = t.observe({ type: "answered", eventId: event.id, status: "resolved", resolution: "Blue" });
      expect(effects).to.deep.equal([{ type: "reset_output" }, { type: "answer_screen", eventId: event.id, optionIndex: 1, startup: false }]);
      expect(t.session().state).to.equal("busy");
      expect(t.memory().questions).to.deep.equal([]);
      expect(t.work(id).state).to.equal("blocked"); // unblocked by the event rules when the event closes, not here
    });

    it("resumes without keys when the question was dismissed", () => {
      const t = setup();
      dispatched(t);
      t.observe({ type: "asked", question: YES_NO });
      const event = t.events()[0];
      expect(t.observe({ type: "answered", eventId: event.id, status: "dismissed", resolution: "" })).to.deep.equal([
        { type: "forget_question", eventId: event.id },
      ]);
      expect(t.session().state).to.equal("busy");
    });

    it("ignores an answer to an event this agent does not wait on", () => {
      const t = setup();
      expect(t.observe({ type: "answered", eventId: "event-x", status: "resolved", resolution: "yes" })).to.deep.equal([]);
    });

    it("closes on-screen questions answered in the pane itself", () => {
      const t = setup();
      const id = dispatched(t);
      t.observe({ type: "asked", question: YES_NO });
      const event = t.events()[0];
      expect(t.observe({ type: "questions_vanished", currentKey: YES_NO.key })).to.deep.equal([]);
      expect(t.observe({ type: "questions_vanished", currentKey: null })).to.deep.equal([{ type: "forget_question", eventId: event.id }]);
      expect(t.state.events.get(event.id)?.status).to.equal("dismissed");
      expect(t.work(id).state).to.equal("in_progress");
      expect(t.session().state).to.equal("busy");
    });

    it("asks a human about a start-up dialog and reports it, without leaving starting", () => {
      const t = setup({ sessionState: "starting" });
      const effects = t.observe({ type: "dialog_shown", question: { ...CHOICE, dialog: "folder-trust" } });
      const event = t.events()[0];
      expect(event.title).to.equal("The agent asks before starting: Which colour?");
      expect(event.context).to.include({ startup: true, dialog: "folder-trust" });
      expect(effects).to.deep.equal([{ type: "await_answer", eventId: event.id }, { type: "report_startup_question" }]);
      expect(t.session()).to.include({ state: "starting" });
      expect(t.session().stateReason).to.include(event.id);
      const answer = t.observe({ type: "answered", eventId: event.id, status: "resolved", resolution: "1" });
      expect(answer).to.deep.include({ type: "answer_screen", eventId: event.id, optionIndex: 0, startup: true });
      expect(t.session().state).to.equal("starting");
    });

    it("raises a hook permission request as an approval and answers the hook with the decision", () => {
      const t = setup({ hooks: true });
      const id = dispatched(t);
      const effects = t.observe({ type: "permission_requested", toolName: "Bash", summary: "npm test", toolInput: { command: "npm test" }, suggestions: [] });
      const event = t.events()[0];
      expect(event).to.include({ type: "approval", title: "Allow Bash: npm test?", workId: id });
      expect(effects).to.deep.equal([{ type: "await_answer", eventId: event.id }]);
      expect(t.work(id).state).to.equal("blocked");
      expect(t.session().state).to.equal("waiting");
      const answer = t.observe({ type: "answered", eventId: event.id, status: "resolved", resolution: "User approved action" });
      expect(answer).to.deep.equal([{ type: "answer_hook", eventId: event.id, decision: { behavior: "allow", message: "User approved action" } }]);
      expect(t.session().state).to.equal("busy");
    });

    const hookAnswers: Array<[string, "resolved" | "dismissed", "allow" | "deny"]> = [
      ["allow", "resolved", "allow"],
      ["deny", "resolved", "deny"],
      ["ok... actually wait", "resolved", "deny"],
      ["", "dismissed", "deny"],
    ];
    for (const [resolution, status, behavior] of hookAnswers) {
      it(`replies ${behavior} to the hook for a ${status} approval ${JSON.stringify(resolution)}`, () => {
        const t = setup({ hooks: true });
        dispatched(t);
        t.observe({ type: "permission_requested", toolName: "Bash", summary: "", toolInput: {}, suggestions: [] });
        const event = t.events()[0];
        const [effect] = t.observe({ type: "answered", eventId: event.id, status, resolution });
        expect(effect).to.include({ type: "answer_hook" }).and.have.nested.property("decision.behavior", behavior);
      });
    }

    it("types a later answer into the agent's own dialog when the hook call ended without an answer", () => {
      const t = setup({ hooks: true });
      dispatched(t);
      t.observe({ type: "permission_requested", toolName: "Bash", summary: "", toolInput: {}, suggestions: [] });
      const event = t.events()[0];
      t.observe({ type: "question_abandoned", eventId: event.id });
      expect(t.observe({ type: "answered", eventId: event.id, status: "resolved", resolution: "allow" })).to.deep.equal([
        { type: "reset_output" },
        { type: "answer_pane_dialog", eventId: event.id, allow: true },
      ]);
    });

    it("moves a busy hook session to waiting when the agent shows its own permission dialog", () => {
      const t = setup({ hooks: true });
      dispatched(t);
      t.observe({ type: "notified", permissionDialog: true });
      expect(t.session().state).to.equal("waiting");
      expect(t.session().stateReason).to.include("answer it there");
    });
  });

  describe("turn ends", () => {
    it("completes the item with the turn's message and makes the session idle", () => {
      const t = setup();
      const id = dispatched(t);
      expect(t.observe({ type: "turn_ended", message: "done: build it" })).to.deep.equal([]);
      expect(t.work(id)).to.include({ state: "completed", result: "done: build it" });
      expect(t.session()).to.include({ state: "idle", currentWorkId: null });
      expect(t.memory().turn).to.equal(null);
    });

    it("fails the item when the turn failed", () => {
      const t = setup({ hooks: true });
      const id = dispatched(t);
      t.observe({ type: "turn_failed", reason: "the agent's turn failed: rate limited" });
      expect(t.work(id)).to.include({ state: "failed", error: "the agent's turn failed: rate limited" });
      expect(t.session().state).to.equal("idle");
    });

    it("ends a hook turn with approvals still waiting: they are dismissed and their hook calls released", () => {
      const t = setup({ hooks: true });
      const id = dispatched(t);
      t.observe({ type: "permission_requested", toolName: "Bash", summary: "", toolInput: {}, suggestions: [] });
      const event = t.events()[0];
      expect(t.observe({ type: "turn_ended", message: "gave up" })).to.deep.equal([{ type: "answer_hook", eventId: event.id, decision: null }]);
      expect(t.state.events.get(event.id)?.status).to.equal("dismissed");
      expect(t.work(id).state).to.equal("completed");
      expect(t.session().state).to.equal("idle");
    });

    it("fails the item and raises a blocking error on error text, and the turn goes on without an item", () => {
      const t = setup();
      const id = dispatched(t);
      t.observe({ type: "error_shown", lines: ["Error: something broke"] });
      expect(t.work(id)).to.include({ state: "failed", error: "Error: something broke" });
      expect(t.events()[0]).to.include({ type: "error", workId: id, title: "The agent reported an error: Error: something broke" });
      expect(t.memory().turn).to.deep.equal({ kind: "messages" });
      t.observe({ type: "turn_ended", message: "" });
      expect(t.work(id).state).to.equal("failed");
      expect(t.session().state).to.equal("idle");
    });

    it("treats a prompt typed in the pane as a turn of its own", () => {
      const t = setup({ hooks: true });
      t.observe({ type: "prompt_submitted" });
      expect(t.session().state).to.equal("busy");
    });

    it("keeps the conversation id to resume with when Claude Code forks it", () => {
      const t = setup({ hooks: true });
      t.observe({ type: "conversation_changed", agentSessionId: "conv-2" });
      expect(t.session().agentSessionId).to.equal("conv-2");
    });
  });

  describe("exit, requeue, fail after 3", () => {
    const exited = (screen = "boom\n"): Observation => ({ type: "exited", status: "status 1", exitStatus: 1, exitSignal: null, screen, paneKept: true });

    it("requeues the item, fails the session with the clue and reports the exit", () => {
      const t = setup();
      const id = dispatched(t);
      const effects = t.observe(exited("working\nfatal: no network\n"));
      expect(t.work(id)).to.include({ state: "queued", stateReason: "requeued: the agent exited unexpectedly (status 1); last output: fatal: no network" });
      expect(t.session()).to.include({ state: "error", currentWorkId: null, pid: 0 });
      expect(t.session().stateReason).to.include("status 1").and.include("fatal: no network");
      const failure = t.events().find((event) => event.type === "instance_error")!;
      expect(failure.content).to.include("fatal: no network");
      expect(effects).to.deep.equal([{ type: "report_exit", reason: t.session().stateReason, paneKept: true }]);
      expect(t.memory()).to.include({ exited: true, turn: null });
    });

    it(`fails the item for good after ${MAX_ATTEMPTS} attempts`, () => {
      const t = setup();
      const item = t.add("flaky");
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        t.setMemory({ ...initialTurnMemory("shell", false) });
        if (attempt > 1) for (const action of ["launch", "ready"] as const) t.run((ctx) => moveSession(ctx, t.sessionId, action));
        t.observe({ type: "turn_possible" });
        expect(t.work(item.id).attempts).to.equal(attempt);
        t.observe(exited());
        expect(t.work(item.id).state).to.equal(attempt < MAX_ATTEMPTS ? "queued" : "failed");
      }
      expect(t.work(item.id).error).to.include(`gave up after ${MAX_ATTEMPTS} attempts`);
      // One open instance_error for the session, counting the failures.
      const failures = t.events().filter((event) => event.type === "instance_error" && event.status === "pending");
      expect(failures).to.have.length(1);
      expect(failures[0].context.count).to.equal(MAX_ATTEMPTS);
    });

    it("dismisses the session's blocking questions when the agent exits", () => {
      const t = setup();
      dispatched(t);
      t.observe({ type: "asked", question: YES_NO });
      const question = t.events()[0];
      t.observe(exited());
      expect(t.state.events.get(question.id)?.status).to.equal("dismissed");
    });

    it("records nothing for an exit the stop asked for", () => {
      const t = setup();
      const id = dispatched(t);
      expect(t.observe({ type: "stop_requested" })).to.deep.equal([{ type: "exit_agent" }]);
      expect(t.observe(exited())).to.deep.equal([]);
      expect(t.events()).to.deep.equal([]);
      t.observe({ type: "stopped", reason: "the session was stopped", end: "stopped" });
      expect(t.work(id)).to.include({ state: "queued", stateReason: "requeued: the session was stopped" });
      expect(t.session()).to.include({ state: "stopped", stateReason: null, tmuxTarget: "" });
    });

    it("releases waiting hook calls and asks the agent to exit once when stopped", () => {
      const t = setup({ hooks: true });
      dispatched(t);
      t.observe({ type: "permission_requested", toolName: "Bash", summary: "", toolInput: {}, suggestions: [] });
      const event = t.events()[0];
      expect(t.observe({ type: "stop_requested" })).to.deep.equal([
        { type: "answer_hook", eventId: event.id, decision: null },
        { type: "exit_agent" },
      ]);
      expect(t.observe({ type: "stop_requested" })).to.deep.equal([]);
    });

    it("ends a start that failed in error, with the reason", () => {
      const t = setup({ sessionState: "starting" });
      t.observe({ type: "stop_requested" });
      t.observe({ type: "stopped", reason: "did not become ready within 60 s", end: "error" });
      expect(t.session()).to.include({ state: "error", stateReason: "did not become ready within 60 s" });
    });

    it("decides nothing for a session that no longer exists, but still stops the agent", () => {
      const t = setup();
      t.run((ctx) => ctx.tx.delete("sessions", t.sessionId));
      expect(t.observe({ type: "turn_possible" })).to.deep.equal([]);
      expect(t.observe({ type: "stop_requested" })).to.deep.equal([{ type: "exit_agent" }]);
    });
  });

  describe("resume", () => {
    it("answers the next turn after an answered question with what follows the answer only", () => {
      const t = setup();
      dispatched(t);
      t.observe({ type: "asked", question: YES_NO });
      const event = t.events()[0];
      const effects = t.observe({ type: "answered", eventId: event.id, status: "resolved", resolution: "yes" });
      expect(effects[0]).to.deep.equal({ type: "reset_output" });
      expect(effects[1]).to.include({ type: "answer_screen", optionIndex: 0 });
    });
  });

  describe("chooseOption", () => {
    const cases: Array<[string[], boolean, string, number | "error"]> = [
      [["Red", "Blue"], false, "blue", 1],
      [["Red", "Blue"], false, "2", 1],
      [["Red", "Blue"], false, "3", "error"],
      [["Red", "Blue"], false, "green", "error"],
      [["Yes", "No"], true, "User approved action", 0],
      [["Yes", "No"], true, "no", 1],
      [["Yes", "No"], true, "yes but no", 1],
    ];
    for (const [options, yesNo, resolution, expected] of cases) {
      it(`picks ${expected} for ${JSON.stringify(resolution)} among ${options.join("/")}`, () => {
        if (expected === "error") expect(() => chooseOption(options, yesNo, resolution)).to.throw(/not one of the prompt's options/);
        else expect(chooseOption(options, yesNo, resolution)).to.equal(expected);
      });
    }
  });
});
