import { expect } from "chai";
import { raiseEvent } from "../../src/domain/event-rules.js";
import type { SessionRecord, WorkItemRecord } from "../../src/domain/records.js";
import { parseTarget } from "../../src/notify/notification-target.js";
import { planNotifications } from "../../src/notify/plan-notifications.js";
import { createDomainFixture } from "../domain/domain-fixture.js";

const T0 = "2026-01-01T00:00:00.000Z";
const target = (settings: Record<string, unknown> = {}) => parseTarget({ name: "t", url: "http://127.0.0.1:1/", ...settings }, "", "config");

function work(state: WorkItemRecord["state"]): WorkItemRecord {
  return { id: "work-1", projectId: "p", content: "Build it\nwith details", state, priority: "medium", dependsOn: [], result: "built", error: null, stateReason: null, blockedByEventId: null, attempts: 1, createdAt: T0, startedAt: T0, completedAt: null };
}

function session(state: SessionRecord["state"]): SessionRecord {
  return { id: "session-1", projectId: "p", runtime: "shell", state, stateReason: state === "error" ? "the agent exited (status 3)" : null, tmuxTarget: "%1", pid: 1, currentWorkId: null, agentSessionId: "", createdAt: T0, startedAt: T0, lastActivity: T0 };
}

describe("planning notifications (pure)", function () {
  it("queues work_completed when an item completes, in the same transaction, and nothing for other writes", function () {
    const { state, run } = createDomainFixture();
    run((ctx) => {
      ctx.tx.put("work", work("in_progress"));
      planNotifications(ctx, [target()], { coalesceMs: 5000 });
    });
    expect(state.collections.outbox.size).to.equal(0);
    run((ctx) => {
      ctx.tx.put("work", work("completed"));
      planNotifications(ctx, [target()], { coalesceMs: 5000 });
      expect(ctx.tx.ops.map((op) => op.collection)).to.deep.equal(["work", "outbox"]);
    });
    const [record] = state.collections.outbox.values();
    expect(record).to.deep.include({ happening: "work_completed", projectId: "p", state: "pending", attempts: 0 });
    expect(record.payload.items).to.deep.equal([{ kind: "work_item", id: "work-1", title: "Build it", text: "built" }]);
    // Not needs-input: nothing holds it back.
    expect(record.holdUntil).to.equal(record.createdAt);
  });

  it("queues agent_error when a session enters error, once", function () {
    const { state, run } = createDomainFixture();
    for (const next of ["idle", "error", "error"] as const) {
      run((ctx) => {
        ctx.tx.put("sessions", session(next));
        planNotifications(ctx, [target()], { coalesceMs: 0 });
      });
    }
    const records = [...state.collections.outbox.values()];
    expect(records.map((record) => record.happening)).to.deep.equal(["agent_error"]);
    expect((records[0].payload.items as Array<{ text: string }>)[0].text).to.equal("the agent exited (status 3)");
  });

  it("queues needs_input only for blocking events, holding it for the coalescing window", function () {
    const { state, run } = createDomainFixture();
    run((ctx) => {
      raiseEvent(ctx, { projectId: "p", type: "status", title: "just so you know" });
      raiseEvent(ctx, { projectId: "p", type: "approval", title: "may I?", options: ["yes", "no"] });
      planNotifications(ctx, [target()], { coalesceMs: 5000 });
    });
    const [record] = [...state.collections.outbox.values()];
    expect(state.collections.outbox.size).to.equal(1);
    expect(record.happening).to.equal("needs_input");
    expect(Date.parse(record.holdUntil) - Date.parse(record.createdAt)).to.equal(5000);
  });

  it("queues budget, not needs_input, when a project's budget stops it, for a target that asks for budget alone", function () {
    const { state, run } = createDomainFixture();
    run((ctx) => {
      raiseEvent(ctx, { projectId: "p", type: "budget", title: "daily budget of $1.00 reached", options: ["resume"] });
      raiseEvent(ctx, { projectId: "p", type: "approval", title: "may I?", options: ["yes", "no"] });
      planNotifications(ctx, [target({ on: ["budget"] })], { coalesceMs: 5000 });
    });
    const records = [...state.collections.outbox.values()];
    expect(records.map((record) => record.happening)).to.deep.equal(["budget"]);
    expect((records[0].payload.items as Array<{ title: string }>)[0].title).to.equal("daily budget of $1.00 reached");
  });

  it("queues nothing for a target that does not want the happening or the project", function () {
    const { state, run } = createDomainFixture();
    run((ctx) => {
      ctx.tx.put("work", work("completed"));
      planNotifications(ctx, [target({ on: ["work_failed"] }), target({ name: "u", projects: ["other"] })], { coalesceMs: 0 });
    });
    expect(state.collections.outbox.size).to.equal(0);
  });
});
