import { expect } from "chai";
import { pino } from "pino";
import { CommanderCore } from "../../src/app/commander-core.js";
import { HealthBook } from "../../src/app/health-book.js";
import { CommanderState } from "../../src/domain/commander-state.js";
import { DEFAULT_LIMITS } from "../../src/domain/domain-context.js";
import type { ProjectRecord, WorkItemRecord } from "../../src/domain/records.js";
import type { StateStore } from "../../src/store/state-store.js";
import type { AgentSupervisor } from "../../src/app/agent-supervisor.js";
import { createWatchService } from "../../src/services/watch-service.js";
import type { HandlerContext } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { WatchChangesRequestSchema } from "../../gen/es/commander/v1/watch_service_pb.js";

function core(): CommanderCore {
  const store: StateStore = { state: new CommanderState(), loadProblems: [], commit: () => Promise.resolve(), compact: () => Promise.resolve(), close: () => Promise.resolve() };
  return new CommanderCore({ store, logger: pino({ level: "silent" }), limits: DEFAULT_LIMITS, health: new HealthBook(() => new Date()) });
}

const at = "2026-01-02T03:04:05.000Z";
const project: ProjectRecord = { id: "p1", path: "/tmp/p1", name: "p1", state: "idle", stateReason: null, runtime: "shell", createdAt: at, lastActivity: at };
const work: WorkItemRecord = {
  id: "work-1", projectId: "p1", content: "build", state: "queued", priority: "medium", dependsOn: [], result: null, error: null,
  stateReason: null, blockedByEventId: null, attempts: 0, createdAt: at, startedAt: null, completedAt: null,
};

describe("WatchService.watchChanges", () => {
  it("gives every watcher of a change the same message, built once, except a project's (its counts are read when sent)", async () => {
    const c = core();
    const service = createWatchService({ core: c, agents: { attachCommand: () => "" } as unknown as AgentSupervisor, maxBufferedChanges: 100, logger: pino({ level: "silent" }) });
    const controller = new AbortController();
    const context = { signal: controller.signal, requestHeader: new Headers() } as HandlerContext;
    const request = create(WatchChangesRequestSchema, {});
    const watchers = [0, 1].map(() => (service.watchChanges as (r: typeof request, c: HandlerContext) => AsyncGenerator<unknown>)(request, context));
    const firsts = watchers.map((w) => w.next());
    await c.mutate((ctx) => {
      ctx.tx.state.projects.set(project.id, project);
      ctx.tx.change("work_changed", "p1", { type: "work_item", record: work });
      ctx.tx.change("project_changed", "p1", { type: "project", record: project });
    });
    const [a, b] = await Promise.all(firsts);
    expect(a!.value).to.have.nested.property("change.subject.value.id", "work-1");
    expect(a!.value, "the work item's change").to.equal(b!.value);
    const [pa, pb] = await Promise.all(watchers.map((w) => w.next()));
    expect(pa!.value).to.have.nested.property("change.subject.value.id", "p1");
    expect(pa!.value, "the project's change").to.not.equal(pb!.value);
    expect(pa!.value).to.deep.equal(pb!.value);
    controller.abort();
    await Promise.all(watchers.map((w) => w.return(undefined)));
  });
});
