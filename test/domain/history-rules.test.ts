import { expect } from "chai";
import { pruneHistory } from "../../src/domain/history-rules.js";
import { registerProject } from "../../src/domain/project-rules.js";
import { addWork, completeWork } from "../../src/domain/work-rules.js";
import { createDomainFixture } from "./domain-fixture.js";

describe("pruneHistory", () => {
  function fixtureWithFinishedWork(count: number) {
    const fixture = createDomainFixture();
    fixture.run((ctx) => registerProject(ctx, { resolvedPath: "/srv/p1", name: "p1", projectId: "p1", runtime: "shell" }));
    const ids: string[] = [];
    for (let index = 0; index < count; index++) {
      const item = fixture.run((ctx) => addWork(ctx, { projectId: "p1", content: `task ${index}`, priority: "medium", dependsOn: [] }));
      fixture.run((ctx) => completeWork(ctx, item.id, "done"));
      ids.push(item.id);
    }
    // Finished a second apart, in order: ids[0] is the oldest.
    return { ...fixture, ids, completedAt: (id: string) => fixture.state.work.get(id)!.completedAt! };
  }

  it("keeps the newest finished items beyond the count kept, and the change feed's newest entries", () => {
    const { state, run, ids } = fixtureWithFinishedWork(6);
    const pruned = run((ctx) => pruneHistory(ctx, { maxFinishedWork: 2, maxResolvedEvents: 10, maxChanges: 5, cutoff: "2000-01-01T00:00:00.000Z" }));
    expect([...state.work.keys()]).to.deep.equal(ids.slice(4));
    expect([...state.changes.values()].map((change) => change.seq)).to.deep.equal([9, 10, 11, 12, 13]);
    expect(pruned).to.equal(4 + 8);
  });

  it("prunes by age alone when fewer finished items than the count kept are stored", () => {
    const { state, run, ids, completedAt } = fixtureWithFinishedWork(6);
    const pruned = run((ctx) => pruneHistory(ctx, { maxFinishedWork: 100, maxResolvedEvents: 100, maxChanges: 100, cutoff: completedAt(ids[3]) }));
    expect([...state.work.keys()]).to.deep.equal(ids.slice(3));
    expect(state.changes.size).to.equal(13);
    expect(pruned).to.equal(3);
  });
});
