import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load-config.js";
import { raiseEvent, resolveEvent } from "../../src/domain/event-rules.js";
import { DEFAULT_PRICES } from "../../src/domain/price-table.js";
import { registerProject } from "../../src/domain/project-rules.js";
import { addUsage, emptyTotals, NOT_REPORTED, totalsOf, workUsage, type TurnMeasurement } from "../../src/domain/usage-rules.js";
import { addWork, startWork } from "../../src/domain/work-rules.js";
import { createDomainFixture } from "./domain-fixture.js";

function measurement(overrides: Partial<TurnMeasurement> = {}): TurnMeasurement {
  return {
    sessionId: "s",
    runtime: "claude-code",
    startedAt: "2026-01-01T00:00:00Z",
    endedAt: "2026-01-01T00:01:00Z",
    tokens: { byModel: { "claude-sonnet-4-5": { input: 1_000_000, output: 0, cacheCreation: 0, cacheRead: 0 } }, models: ["claude-sonnet-4-5"], modelCalls: 2, toolUses: 1 },
    tokensMissingReason: null,
    changedFiles: null,
    changedFilesMissingReason: "the project is not a git repository",
    treeBefore: null,
    treeAfter: null,
    transcriptPath: null,
    ...overrides,
  };
}

describe("usage rules", () => {
  function fixture() {
    const f = createDomainFixture();
    f.run((ctx) => registerProject(ctx, { resolvedPath: "/p", name: "p", projectId: "p", runtime: "claude-code" }));
    const item = f.run((ctx) => addWork(ctx, { projectId: "p", content: "x", priority: null, dependsOn: [] }));
    f.run((ctx) => startWork(ctx, item.id));
    return { ...f, item };
  }

  it("prices the tokens, sums them by kind and measures the wall time", () => {
    const { state, item } = fixture();
    const usage = workUsage(state, item.id, measurement(), DEFAULT_PRICES, "2026-01-01T00:05:00Z");
    expect(usage.tokens).to.deep.equal({ input: 1_000_000, output: 0, cacheCreation: 0, cacheRead: 0 });
    expect(usage.costUsd).to.equal(3);
    expect(usage.wallTimeMs).to.equal(60_000);
    expect(usage.changedFilesMissingReason).to.equal("the project is not a git repository");
  });

  it("keeps tokens absent, not zero, for a runtime that reports none, and gives no cost", () => {
    const { state, item } = fixture();
    const usage = workUsage(state, item.id, measurement({ runtime: "shell", tokens: null, tokensMissingReason: NOT_REPORTED }), DEFAULT_PRICES, "2026-01-01T00:05:00Z");
    expect(usage.tokens).to.equal(null);
    expect(usage.tokensMissingReason).to.equal("not reported by this runtime");
    expect(usage.costUsd).to.equal(null);
    const totals = addUsage(emptyTotals(), usage);
    expect(totals.workItemsWithoutCost).to.equal(1);
    expect(totals.tokens).to.deep.equal({ input: 0, output: 0, cacheCreation: 0, cacheRead: 0 });
  });

  it("counts the time the item's blocking events were open as waiting, within the turn", () => {
    const { state, run, item } = fixture();
    // The fixture's clock advances one second per rule: the approval is open from 00:00:04 to 00:00:05.
    const event = run((ctx) => raiseEvent(ctx, { projectId: "p", type: "approval", title: "ok?", workId: item.id }));
    run((ctx) => resolveEvent(ctx, event.id, "allow"));
    // Still open when the turn ends at 00:01:00: counted up to the end.
    run((ctx) => raiseEvent(ctx, { projectId: "p", type: "decision_needed", title: "which?", workId: item.id }));
    const other = run((ctx) => raiseEvent(ctx, { projectId: "p", type: "status", title: "fyi", workId: item.id }));
    expect(other.type).to.equal("status");
    const usage = workUsage(state, item.id, measurement({ startedAt: "2026-01-01T00:00:00Z", endedAt: "2026-01-01T00:01:00Z" }), DEFAULT_PRICES, "x");
    expect(usage.waitingTimeMs).to.equal(1000 + (60 - 6) * 1000);
  });

  it("adds up a project's items, and only those started since a time", () => {
    const { state, run, item } = fixture();
    run((ctx) => ctx.tx.put("work", { ...ctx.state.work.get(item.id)!, usage: workUsage(ctx.state, item.id, measurement(), DEFAULT_PRICES, ctx.now) }));
    expect(totalsOf(state, { projectId: "p", since: "" })).to.deep.include({ costUsd: 3, workItems: 1, modelCalls: 2, toolUses: 1 });
    expect(totalsOf(state, { projectId: "p", since: "2026-01-02T00:00:00Z" }).workItems).to.equal(0);
    expect(totalsOf(state, { projectId: "p", since: "", sessionId: "other" }).workItems).to.equal(0);
  });

  it("refuses a bad price in the config, naming the setting and the model", () => {
    const dir = mkdtempSync(join(tmpdir(), "commander-prices-"));
    const file = join(dir, "config.json");
    writeFileSync(file, "{}");
    try {
      expect(() => loadConfig({ config: file }, { COMMANDER_PRICES: '{"m": {"input": "cheap", "output": 1}}' })).to.throw(
        /COMMANDER_PRICES: m.input must be a non-negative number/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
