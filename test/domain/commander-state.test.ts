import { expect } from "chai";
import { CommanderState, StateTransaction } from "../../src/domain/commander-state.js";
import type { EventRecord, EventStatus, EventType, WorkItemRecord, WorkState } from "../../src/domain/records.js";

function item(id: string, projectId: string, state: WorkState): WorkItemRecord {
  return {
    id,
    projectId,
    content: id,
    state,
    priority: "medium",
    dependsOn: [],
    result: null,
    error: null,
    stateReason: null,
    blockedByEventId: null,
    attempts: 0,
    createdAt: "2026-01-01T00:00:00.000Z",
    startedAt: null,
    completedAt: null,
  };
}

function event(id: string, projectId: string, type: EventType, status: EventStatus): EventRecord {
  return {
    id,
    projectId,
    type,
    priority: "high",
    status,
    title: id,
    content: "",
    options: [],
    resolution: null,
    sessionId: null,
    workId: null,
    context: {},
    createdAt: "2026-01-01T00:00:00.000Z",
    resolvedAt: null,
  };
}

const BLOCKING: EventType[] = ["error", "decision_needed", "approval", "question", "plan_approval", "budget"];
const UNFINISHED: WorkState[] = ["queued", "in_progress", "blocked"];

function expectIndexesMatchScan(state: CommanderState, projects: string[]): void {
  for (const projectId of projects) {
    // What a project's state is derived from: the first of each in the project's own creation order.
    expect(state.firstWorkInProgress(projectId)?.id).to.equal([...state.workOf(projectId)].find((record) => record.state === "in_progress")?.id);
    expect(state.firstBlockingEvent(projectId)?.id).to.equal(
      [...state.eventsOf(projectId)].find((record) => record.status === "pending" && BLOCKING.includes(record.type))?.id,
    );
    expect(state.pendingEventCount(projectId)).to.equal([...state.eventsOf(projectId)].filter((record) => record.status === "pending").length);
    expect([...state.unfinishedWorkOf(projectId)].map((record) => record.id).sort()).to.deep.equal(
      [...state.workOf(projectId)].filter((record) => UNFINISHED.includes(record.state)).map((record) => record.id).sort(),
    );
    const scanned = [...state.work.values()].filter((record) => record.projectId === projectId);
    expect([...state.workOf(projectId)].map((record) => record.id).sort()).to.deep.equal(scanned.map((record) => record.id).sort());
    const unfinished = scanned.filter((record) => ["queued", "in_progress", "blocked"].includes(record.state)).length;
    expect(state.unfinishedWorkCount(projectId)).to.equal(unfinished);
  }
}

describe("CommanderState per-project indexes", () => {
  it("stay equal to a full scan through puts, deletes, rollbacks and a rebuild, also for unfinished work, the work in progress, pending and blocking events", () => {
    const state = new CommanderState();
    const projects = ["p1", "p2", "p3"];
    const states: WorkState[] = ["queued", "in_progress", "blocked", "completed", "failed", "cancelled"];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const tx = new StateTransaction(state, "2026-01-01T00:00:00.000Z");
      for (let step = 0; step < 1 + random(4); step++) {
        const id = `w${random(40)}`;
        if (random(5) === 0) tx.delete("work", id);
        else tx.put("work", item(id, projects[random(3)], states[random(6)]));
        const eventId = `e${random(30)}`;
        if (random(5) === 0) tx.delete("events", eventId);
        else tx.put("events", event(eventId, projects[random(3)], random(3) === 0 ? "status" : BLOCKING[random(6)], (["pending", "resolved", "dismissed"] as const)[random(3)]));
      }
      if (random(3) === 0) tx.rollback();
      expectIndexesMatchScan(state, projects);
    }
    state.rebuildIndexes();
    expectIndexesMatchScan(state, projects);
  });

  it("lists a project's unfinished work in creation order through the work items' own transitions", () => {
    const state = new CommanderState();
    const put = (record: WorkItemRecord) => new StateTransaction(state, "2026-01-01T00:00:00.000Z").put("work", record);
    for (const id of ["a", "b", "c", "d"]) put(item(id, "p1", "queued"));
    put(item("b", "p1", "in_progress"));
    put(item("a", "p1", "completed"));
    put(item("c", "p1", "in_progress"));
    put(item("c", "p1", "blocked"));
    put(item("b", "p1", "queued"));
    put(item("e", "p1", "queued"));
    expect([...state.unfinishedWorkOf("p1")].map((record) => record.id)).to.deep.equal(["b", "c", "d", "e"]);
  });
});
