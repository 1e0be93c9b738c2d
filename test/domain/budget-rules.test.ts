import { expect } from "chai";
import { budgetExceeded, enforceBudget, setBudget, settleBudgetEvent } from "../../src/domain/budget-rules.js";
import { resolveEvent } from "../../src/domain/event-rules.js";
import { registerProject } from "../../src/domain/project-rules.js";
import type { BudgetRecord, WorkUsageRecord } from "../../src/domain/records.js";
import { addWork, startWork } from "../../src/domain/work-rules.js";
import { createDomainFixture } from "./domain-fixture.js";

const none: BudgetRecord = { dailyUsd: null, totalUsd: null, dailyTokens: null, totalTokens: null };
const spending = (totalUsd: number, todayUsd: number, totalTokens = 0, todayTokens = 0) => ({ totalUsd, todayUsd, totalTokens, todayTokens });

function usage(costUsd: number | null, tokens: number, startedAt: string): WorkUsageRecord {
  return {
    sessionId: null,
    runtime: "claude-code",
    tokens: { input: tokens, output: 0, cacheCreation: 0, cacheRead: 0 },
    tokensByModel: {},
    tokensMissingReason: null,
    models: [],
    modelCalls: 1,
    toolUses: 0,
    costUsd,
    costMissingReason: null,
    startedAt,
    endedAt: startedAt,
    wallTimeMs: 0,
    waitingTimeMs: 0,
    changedFiles: null,
    changedFilesMissingReason: "x",
    treeBefore: null,
    treeAfter: null,
    transcriptPath: null,
  };
}

describe("budget rules", () => {
  it("reports no excess without a budget or below every limit", () => {
    expect(budgetExceeded(undefined, spending(100, 100))).to.equal(null);
    expect(budgetExceeded(none, spending(100, 100))).to.equal(null);
    expect(budgetExceeded({ ...none, dailyUsd: 1, totalUsd: 10 }, spending(9.99, 0.99))).to.equal(null);
  });

  it("names the limit reached, daily before total, dollars before tokens", () => {
    expect(budgetExceeded({ ...none, dailyUsd: 1, totalUsd: 2 }, spending(5, 1))).to.deep.equal({ limit: "daily_usd", limitValue: 1, spent: 1 });
    expect(budgetExceeded({ ...none, totalUsd: 2 }, spending(2.5, 0))).to.deep.equal({ limit: "total_usd", limitValue: 2, spent: 2.5 });
    expect(budgetExceeded({ ...none, dailyTokens: 100 }, spending(0, 0, 500, 150))).to.deep.equal({ limit: "daily_tokens", limitValue: 100, spent: 150 });
    expect(budgetExceeded({ ...none, totalTokens: 100 }, spending(0, 0, 500, 0))).to.deep.equal({ limit: "total_tokens", limitValue: 100, spent: 500 });
  });

  function projectWithSpending() {
    const fixture = createDomainFixture();
    const project = fixture.run((ctx) => registerProject(ctx, { resolvedPath: "/p", name: "p", projectId: "p", runtime: "claude-code" }));
    const done = fixture.run((ctx) => addWork(ctx, { projectId: "p", content: "old", priority: null, dependsOn: [] }));
    fixture.run((ctx) => ctx.tx.put("work", { ...ctx.state.work.get(done.id)!, usage: usage(0.04, 100, "2025-12-31T10:00:00Z") }));
    const running = fixture.run((ctx) => addWork(ctx, { projectId: "p", content: "new", priority: null, dependsOn: [] }));
    fixture.run((ctx) => startWork(ctx, running.id));
    return { ...fixture, project, running };
  }

  it("pauses the project with a reason naming the budget and raises one blocking budget event, counting the running turn", () => {
    const { run, state, running } = projectWithSpending();
    run((ctx) => setBudget(ctx, "p", { ...none, totalUsd: 0.05 }));
    expect(run((ctx) => enforceBudget(ctx, "p", { workId: running.id, usage: usage(0.005, 10, "2026-01-01T00:00:05Z") }))).to.equal(null);
    const exceeded = run((ctx) => enforceBudget(ctx, "p", { workId: running.id, usage: usage(0.02, 10, "2026-01-01T00:00:05Z") }));
    expect(exceeded).to.deep.include({ limit: "total_usd", limitValue: 0.05 });
    expect(exceeded!.spent).to.be.closeTo(0.06, 1e-9);
    const project = state.projects.get("p")!;
    expect(project.state).to.equal("paused");
    expect(project.stateReason).to.include("budget total_usd of $0.05 reached");
    // Checked again (the next hook): still exceeded, but no second event.
    run((ctx) => enforceBudget(ctx, "p", { workId: running.id, usage: usage(0.03, 10, "2026-01-01T00:00:05Z") }));
    const events = [...state.eventsOf("p")].filter((event) => event.type === "budget");
    expect(events).to.have.length(1);
    expect(events[0].status).to.equal("pending");
    expect(events[0].workId).to.equal(running.id);
  });

  it("counts only today's (UTC) items against a daily limit", () => {
    const { run, state } = projectWithSpending();
    run((ctx) => setBudget(ctx, "p", { ...none, dailyUsd: 0.03 }));
    // The 0.04 spent yesterday does not count today.
    expect(run((ctx) => enforceBudget(ctx, "p", null))).to.equal(null);
    expect(state.projects.get("p")!.state).to.not.equal("paused");
  });

  it("resolving the event with a number raises the exceeded limit and resumes; with resume it only resumes", () => {
    const { run, state } = projectWithSpending();
    run((ctx) => setBudget(ctx, "p", { ...none, totalUsd: 0.01, dailyUsd: 5 }));
    run((ctx) => enforceBudget(ctx, "p", null));
    const event = [...state.eventsOf("p")].find((candidate) => candidate.type === "budget")!;
    run((ctx) => settleBudgetEvent(ctx, resolveEvent(ctx, event.id, "$1.50").event));
    expect(state.projects.get("p")!.budget).to.deep.equal({ ...none, totalUsd: 1.5, dailyUsd: 5 });
    expect(state.projects.get("p")!.state).to.not.equal("paused");

    run((ctx) => setBudget(ctx, "p", { ...none, totalUsd: 0.01 }));
    run((ctx) => enforceBudget(ctx, "p", null));
    const second = [...state.eventsOf("p")].find((candidate) => candidate.type === "budget" && candidate.status === "pending")!;
    run((ctx) => settleBudgetEvent(ctx, resolveEvent(ctx, second.id, "resume").event));
    expect(state.projects.get("p")!.state).to.not.equal("paused");
    expect(state.projects.get("p")!.budget!.totalUsd).to.equal(0.01);
  });

  it("refuses a resolution that is neither resume nor a limit, and leaves the event pending", () => {
    const { run, state } = projectWithSpending();
    run((ctx) => setBudget(ctx, "p", { ...none, totalUsd: 0.01 }));
    run((ctx) => enforceBudget(ctx, "p", null));
    const event = [...state.eventsOf("p")].find((candidate) => candidate.type === "budget")!;
    expect(() => run((ctx) => settleBudgetEvent(ctx, resolveEvent(ctx, event.id, "more please").event))).to.throw(/resolution/);
    expect(state.events.get(event.id)!.status).to.equal("pending");
    expect(state.projects.get("p")!.state).to.equal("paused");
  });

  it("names the field of a bad limit", () => {
    const { run } = projectWithSpending();
    expect(() => run((ctx) => setBudget(ctx, "p", { ...none, dailyUsd: -1 }))).to.throw(/budget.daily_usd/);
    expect(() => run((ctx) => setBudget(ctx, "p", { ...none, totalTokens: 1.5 }))).to.throw(/budget.total_tokens/);
    expect(() => run((ctx) => setBudget(ctx, "p", { ...none, totalUsd: Number.NaN }))).to.throw(/budget.total_usd/);
  });
});
