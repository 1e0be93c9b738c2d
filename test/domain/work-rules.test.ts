import { expect } from "chai";
import { CommanderError } from "../../src/domain/commander-error.js";
import { registerProject } from "../../src/domain/project-rules.js";
import {
  addWork,
  cancelWork,
  completeWork,
  failWork,
  listWork,
  nextRunnableWork,
  startWork,
} from "../../src/domain/work-rules.js";
import { createDomainFixture } from "./domain-fixture.js";

function setup() {
  const fixture = createDomainFixture({ maxUnfinishedWorkPerProject: 5 });
  const project = fixture.run((ctx) => registerProject(ctx, { resolvedPath: "/p", name: "", projectId: "", runtime: "shell" }));
  const add = (content: string, priority: "low" | "medium" | "high" | "critical" | null = null, dependsOn: string[] = []) =>
    fixture.run((ctx) => addWork(ctx, { projectId: project.id, content, priority, dependsOn }));
  return { ...fixture, project, add };
}

function reasonOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as CommanderError).reason;
  }
  throw new Error("expected an error");
}

describe("work rules", () => {
  it("defaults the priority to medium and starts queued", () => {
    const { add } = setup();
    const item = add("do it");
    expect(item.priority).to.equal("medium");
    expect(item.state).to.equal("queued");
  });

  it("lists in dispatch order: priority first, then age", () => {
    const { add, state, project } = setup();
    const low = add("low", "low");
    const firstHigh = add("h1", "high");
    const critical = add("c", "critical");
    const secondHigh = add("h2", "high");
    const order = listWork(state, { projectId: project.id, state: null, priority: null }).map((item) => item.id);
    expect(order).to.deep.equal([critical.id, firstHigh.id, secondHigh.id, low.id]);
  });

  it("holds a dependent back until its dependency completes", () => {
    const { add, run, state, project } = setup();
    const first = add("first", "low");
    const dependent = add("second", "critical", [first.id]);
    expect(nextRunnableWork(state, project.id)?.id).to.equal(first.id);
    run((ctx) => startWork(ctx, first.id));
    expect(nextRunnableWork(state, project.id)).to.equal(undefined);
    run((ctx) => completeWork(ctx, first.id, "ok"));
    expect(nextRunnableWork(state, project.id)?.id).to.equal(dependent.id);
  });

  it("cancels dependents, transitively, when an item fails or is cancelled", () => {
    const { add, run, state } = setup();
    const base = add("base");
    const middle = add("middle", null, [base.id]);
    const top = add("top", null, [middle.id]);
    run((ctx) => startWork(ctx, base.id));
    run((ctx) => failWork(ctx, base.id, "boom"));
    expect(state.work.get(middle.id)?.state).to.equal("cancelled");
    expect(state.work.get(top.id)?.state).to.equal("cancelled");
    expect(state.work.get(top.id)?.error).to.include(middle.id);
    const other = add("other");
    const waiting = add("waiting", null, [other.id]);
    run((ctx) => cancelWork(ctx, other.id, "", "changed my mind"));
    expect(state.work.get(waiting.id)?.state).to.equal("cancelled");
  });

  it("refuses unknown, foreign, duplicate and dead dependencies", () => {
    const { add, run } = setup();
    const other = run((ctx) => registerProject(ctx, { resolvedPath: "/q", name: "", projectId: "", runtime: "shell" }));
    const foreign = run((ctx) => addWork(ctx, { projectId: other.id, content: "x", priority: null, dependsOn: [] }));
    const mine = add("mine");
    expect(reasonOf(() => add("a", null, ["work-999"]))).to.equal("INVALID_DEPENDENCY");
    expect(reasonOf(() => add("a", null, [foreign.id]))).to.equal("INVALID_DEPENDENCY");
    expect(reasonOf(() => add("a", null, [mine.id, mine.id]))).to.equal("INVALID_DEPENDENCY");
    run((ctx) => cancelWork(ctx, mine.id, "", ""));
    expect(reasonOf(() => add("a", null, [mine.id]))).to.equal("INVALID_DEPENDENCY");
  });

  it("refuses terminal escape sequences in content and names the field", () => {
    const { add } = setup();
    expect(() => add("hello \u001b[31mred")).to.throw(/content: must not contain control characters/);
  });

  it("answers QUEUE_FULL past the per-project limit", () => {
    const { add } = setup();
    for (let index = 0; index < 5; index++) add(`item ${index}`);
    expect(reasonOf(() => add("one too many"))).to.equal("QUEUE_FULL");
  });

  it("names the current state when a finished item is completed again", () => {
    const { add, run } = setup();
    const item = add("x");
    run((ctx) => completeWork(ctx, item.id, "done"));
    expect(() => run((ctx) => completeWork(ctx, item.id, "again"))).to.throw(/is completed; cannot complete/);
  });

  it("leaves no trace of a rule that failed halfway", () => {
    const { add, state } = setup();
    const before = state.work.size;
    expect(() => add("x", null, ["missing"])).to.throw();
    expect(state.work.size).to.equal(before);
  });
});
