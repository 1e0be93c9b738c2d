import { expect } from "chai";
import { initialTurnMemory, type Effect, type Observation, type TurnMemory } from "../../src/domain/agent-turn.js";
import { decideTurn } from "../../src/domain/decide-turn.js";
import { resolveEvent } from "../../src/domain/event-rules.js";
import { addPolicyRules } from "../../src/domain/project-policy.js";
import { registerProject } from "../../src/domain/project-rules.js";
import { createSession, moveSession } from "../../src/domain/session-rules.js";
import { addWork } from "../../src/domain/work-rules.js";
import { createDomainFixture } from "./domain-fixture.js";

// Claude Code's PermissionRequest through the turn policy: questions, plans, "allow always" and project
// policies, each checked on the records and on the hook reply it produces.

function setup() {
  const fixture = createDomainFixture();
  const project = fixture.run((ctx) => registerProject(ctx, { resolvedPath: "/work/app", name: "", projectId: "app", runtime: "claude-code" }));
  const session = fixture.run((ctx) => createSession(ctx, { projectId: project.id, runtime: "claude-code", agentSessionId: "conv-1" }));
  for (const action of ["launch", "ready"] as const) fixture.run((ctx) => moveSession(ctx, session.id, action));
  let memory: TurnMemory = initialTurnMemory("claude-code", true);
  const observe = (observation: Observation): Effect[] =>
    fixture.run((ctx) => {
      const decision = decideTurn(ctx, session.id, memory, observation);
      memory = decision.memory;
      return decision.effects;
    });
  const item = fixture.run((ctx) => addWork(ctx, { projectId: project.id, content: "do it", priority: "medium", dependsOn: [] }));
  observe({ type: "turn_possible" });
  const request = (toolName: string, toolInput: Record<string, unknown>, suggestions: unknown = []) =>
    observe({ type: "permission_requested", toolName, summary: "", toolInput, suggestions });
  /** Resolves the event as the API does, then delivers it; returns the hook reply's decision. */
  const answer = (eventId: string, resolution: string) => {
    const resolved = fixture.run((ctx) => resolveEvent(ctx, eventId, resolution)).event;
    const [effect] = observe({ type: "answered", eventId, status: "resolved", resolution: resolved.resolution! });
    return effect.type === "answer_hook" ? effect.decision : undefined;
  };
  return {
    ...fixture,
    observe,
    request,
    answer,
    itemId: item.id,
    events: () => [...fixture.state.events.values()],
    session: () => fixture.state.sessions.get(session.id)!,
    project: () => fixture.state.projects.get(project.id)!,
  };
}

const QUESTION = { question: "Which colour?", header: "Colour", multiSelect: false, options: [{ label: "Red", description: "warm" }, { label: "Blue", description: "cool" }] };
const TOPPINGS = { question: "Which toppings?", header: "Toppings", multiSelect: true, options: [{ label: "Cheese", description: "" }, { label: "Olives", description: "" }] };
const BASH_SUGGESTIONS = [{ type: "addRules", rules: [{ toolName: "Bash", ruleContent: "npm test:*" }], behavior: "allow", destination: "localSettings" }];

describe("permission requests (questions, plans, allow always, policies)", () => {
  it("raises AskUserQuestion as a blocking question event with its options", () => {
    const t = setup();
    const effects = t.request("AskUserQuestion", { questions: [QUESTION] });
    const [event] = t.events();
    expect(event).to.include({ type: "question", status: "pending", title: "Claude asks: Which colour?" });
    expect(event.options).to.deep.equal(["Red", "Blue"]);
    expect(event.context.free_text_allowed).to.equal(true);
    expect(effects).to.deep.equal([{ type: "await_answer", eventId: event.id }]);
    expect(t.state.work.get(t.itemId)!.state).to.equal("blocked");
    expect(t.session().state).to.equal("waiting");
    expect(t.project().state).to.equal("blocked");
  });

  it("answers a question with allow and the tool input plus the answers", () => {
    const t = setup();
    t.request("AskUserQuestion", { questions: [QUESTION, TOPPINGS] });
    const [event] = t.events();
    expect(event.options).to.deep.equal([]);
    expect(t.answer(event.id, "2\nCheese, Olives")).to.deep.equal({
      behavior: "allow",
      message: "",
      updatedInput: { questions: [QUESTION, TOPPINGS], answers: { "Which colour?": "Blue", "Which toppings?": "Cheese, Olives" } },
    });
    expect(t.session().state).to.equal("busy");
  });

  it("raises ExitPlanMode as a plan_approval event carrying the plan", () => {
    const t = setup();
    t.request("ExitPlanMode", { plan: "# Plan\n1. Write tests\n2. Fix it" });
    const [event] = t.events();
    expect(event).to.include({ type: "plan_approval", content: "# Plan\n1. Write tests\n2. Fix it", title: "Approve Claude's plan? Plan" });
    expect(event.options).to.deep.equal(["approve", "approve:acceptEdits", "reject"]);
  });

  const planCases: Array<[string, Record<string, unknown>]> = [
    ["approve", { behavior: "allow", message: "", updatedInput: { plan: "P" } }],
    ["approve:acceptEdits", { behavior: "allow", message: "", updatedInput: { plan: "P" }, updatedPermissions: [{ type: "setMode", mode: "acceptEdits", destination: "session" }] }],
    ["reject: add tests first", { behavior: "deny", message: "add tests first" }],
  ];
  for (const [resolution, decision] of planCases) {
    it(`answers a plan resolved ${JSON.stringify(resolution)}`, () => {
      const t = setup();
      t.request("ExitPlanMode", { plan: "P" });
      expect(t.answer(t.events()[0].id, resolution)).to.deep.equal(decision);
    });
  }

  it("offers allow always only when the request carries suggestions", () => {
    const t = setup();
    t.request("Bash", { command: "ls" });
    t.request("Bash", { command: "npm test" }, BASH_SUGGESTIONS);
    expect(t.events().map((event) => event.options)).to.deep.equal([["allow", "deny"], ["allow", "allow always", "deny"]]);
  });

  it("answers allow always with the suggestions for the session and records the rule in the policy", () => {
    const t = setup();
    t.request("Bash", { command: "npm test" }, BASH_SUGGESTIONS);
    const [event] = t.events();
    expect(t.answer(event.id, "2")).to.deep.equal({
      behavior: "allow",
      message: "",
      updatedPermissions: [{ ...BASH_SUGGESTIONS[0], destination: "session" }],
    });
    expect(t.project().policy).to.deep.equal([{ rule: "Bash(npm test:*)", action: "allow", source: `event:${event.id}`, createdAt: t.project().policy![0].createdAt }]);

    // The next matching request is answered by the policy: no pending event, nothing blocked.
    const effects = t.request("Bash", { command: "npm test -- --grep x" }, BASH_SUGGESTIONS);
    const second = t.events()[1];
    expect(second).to.include({ status: "resolved", resolution: "allow", resolvedBy: "policy:Bash(npm test:*)" });
    expect(effects).to.deep.equal([{ type: "answer_hook", eventId: second.id, decision: { behavior: "allow", message: "" } }]);
    expect(t.session().state).to.equal("busy");
    expect(t.state.work.get(t.itemId)!.state).to.equal("in_progress");
    expect(t.project().state).to.equal("working");
  });

  for (const words of ["always allow", "Allow-Always"]) {
    it(`reads ${JSON.stringify(words)} as allow always`, () => {
      const t = setup();
      t.request("Bash", { command: "npm test" }, BASH_SUGGESTIONS);
      expect(t.answer(t.events()[0].id, words)).to.have.property("updatedPermissions").with.length(1);
      expect(t.project().policy).to.have.length(1);
    });
  }

  it("answers allow always without suggestions as a plain allow, recording nothing", () => {
    const t = setup();
    t.request("Bash", { command: "ls" });
    expect(t.answer(t.events()[0].id, "allow always")).to.deep.equal({ behavior: "allow", message: "" });
    expect(t.project().policy ?? []).to.deep.equal([]);
  });

  it("lets a deny rule win over an allow rule", () => {
    const t = setup();
    t.run((ctx) => addPolicyRules(ctx, "app", [{ rule: "Bash", action: "allow" }, { rule: "Bash(rm:*)", action: "deny" }], "api"));
    const [deny] = t.request("Bash", { command: "rm -rf build" });
    expect(deny).to.deep.include({ type: "answer_hook", decision: { behavior: "deny", message: "Denied by the project's policy (rule Bash(rm:*))." } });
    const [allow] = t.request("Bash", { command: "ls" });
    expect(allow).to.deep.include({ decision: { behavior: "allow", message: "" } });
    expect(t.events().map((event) => event.resolvedBy)).to.deep.equal(["policy:Bash(rm:*)", "policy:Bash"]);
  });

  it("never answers a question or a plan by policy", () => {
    const t = setup();
    t.run((ctx) => addPolicyRules(ctx, "app", [{ rule: "AskUserQuestion", action: "allow" }, { rule: "ExitPlanMode", action: "allow" }], "api"));
    t.request("AskUserQuestion", { questions: [QUESTION] });
    t.request("ExitPlanMode", { plan: "P" });
    expect(t.events().map((event) => event.status)).to.deep.equal(["pending", "pending"]);
  });

  it("refuses an answer that does not fit the question, leaving the event pending", () => {
    const t = setup();
    t.request("AskUserQuestion", { questions: [QUESTION] });
    const [event] = t.events();
    expect(() => t.run((ctx) => resolveEvent(ctx, event.id, "7"))).to.throw(/7 is not an option/);
    expect(t.state.events.get(event.id)!.status).to.equal("pending");
  });
});
