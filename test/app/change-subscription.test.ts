import { expect } from "chai";
import { pino } from "pino";
import { CommanderCore } from "../../src/app/commander-core.js";
import { subscribeToChanges, type ChangeFilter } from "../../src/app/change-subscription.js";
import { HealthBook } from "../../src/app/health-book.js";
import { CommanderState, type StateTransaction } from "../../src/domain/commander-state.js";
import { DEFAULT_LIMITS } from "../../src/domain/domain-context.js";
import { CommanderError } from "../../src/domain/commander-error.js";
import type { ChangeKind, ChangeRecord } from "../../src/domain/records.js";
import type { StateStore } from "../../src/store/state-store.js";

// subscribeToChanges against a real CommanderCore (mutate → commit → publish) over a store whose commits
// the test releases by hand, so that "in flight" (applied in memory, not yet durable) can be observed.

interface Harness {
  core: CommanderCore;
  /** Commits waiting for release, oldest first. */
  pending: Array<{ tx: StateTransaction; release(): void; fail(): void }>;
  /** When true (the default), commits succeed at once. */
  autoCommit: boolean;
}

/** `loaded`: changes already in the state when the core is created, as if read from disk at start-up. */
function harness(loaded = 0): Harness {
  const state = new CommanderState();
  for (let seq = 1; seq <= loaded; seq++) {
    state.changes.set(String(seq), { seq, kind: "work_changed", projectId: "p1", time: "2026-01-01T00:00:00.000Z", subject: { type: "work_item", record: { id: `w-${seq}` } as never } });
    state.lastChangeSeq = seq;
  }
  const h: Harness = { core: undefined as unknown as CommanderCore, pending: [], autoCommit: true };
  const store: StateStore = {
    state,
    loadProblems: [],
    commit(tx) {
      if (tx.isEmpty || h.autoCommit) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        h.pending.push({
          tx,
          release: resolve,
          fail: () => {
            tx.rollback();
            reject(new CommanderError("STATE_UNWRITABLE", "disk full"));
          },
        });
      });
    },
    compact: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  h.core = new CommanderCore({ store, logger: pino({ level: "silent" }), limits: DEFAULT_LIMITS, health: new HealthBook(() => new Date()) });
  return h;
}

/** Records `count` changes of `kind` for `projectId`, one transaction each; resolves with their seqs. */
async function record(core: CommanderCore, count: number, projectId = "p1", kind: ChangeKind = "work_changed"): Promise<number[]> {
  const seqs: number[] = [];
  for (let index = 0; index < count; index++) {
    seqs.push(await core.mutate((ctx) => change(ctx.tx, projectId, kind)));
  }
  return seqs;
}

function change(tx: StateTransaction, projectId: string, kind: ChangeKind, id = `w-${tx.state.lastChangeSeq + 1}`): number {
  tx.change(kind, projectId, { type: "work_item", record: { id } as never });
  return tx.state.lastChangeSeq;
}

function filter(overrides: Partial<ChangeFilter> = {}): ChangeFilter {
  return { projectId: "", kinds: new Set(), afterSeq: 0, ...overrides };
}

/** Pulls `count` changes, failing if they do not come within `ms`. */
async function take(stream: AsyncGenerator<ChangeRecord>, count: number, ms = 1000): Promise<number[]> {
  const seqs: number[] = [];
  const deadline = Date.now() + ms;
  while (seqs.length < count) {
    const next = await Promise.race([
      stream.next(),
      new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), Math.max(0, deadline - Date.now()))),
    ]);
    if (next === "timeout") throw new Error(`only ${seqs.length} of ${count} changes arrived: ${seqs.join(",")}`);
    if (next.done) throw new Error(`the stream ended after ${seqs.join(",")}`);
    seqs.push(next.value.seq);
  }
  return seqs;
}

/** Resolves with what the next pull gives within `ms`, or "nothing". */
async function nextWithin(stream: AsyncGenerator<ChangeRecord>, ms = 50): Promise<IteratorResult<ChangeRecord> | "nothing"> {
  return Promise.race([stream.next(), new Promise<"nothing">((resolve) => setTimeout(() => resolve("nothing"), ms))]);
}

async function failure(promise: Promise<unknown>): Promise<CommanderError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(CommanderError);
    return error as CommanderError;
  }
  throw new Error("expected the stream to fail");
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("subscribeToChanges", () => {
  it("with after_seq 0 yields only changes committed after it subscribed", async () => {
    const { core } = harness();
    await record(core, 3);
    const controller = new AbortController();
    const stream = subscribeToChanges(core, filter(), controller.signal, 100);
    const first = stream.next();
    await tick();
    await record(core, 2);
    expect((await first).value.seq).to.equal(4);
    expect(await take(stream, 1)).to.deep.equal([5]);
    controller.abort();
  });

  it("replays the retained changes after after_seq, then live ones, in order and each once", async () => {
    const { core } = harness();
    await record(core, 5);
    const controller = new AbortController();
    const stream = subscribeToChanges(core, filter({ afterSeq: 2 }), controller.signal, 100);
    // The first pull subscribes and takes the replay snapshot; changes published meanwhile are both in
    // the snapshot's wake and the live buffer, and must come once.
    const first = stream.next();
    const live = record(core, 2);
    expect((await first).value.seq).to.equal(3);
    await live;
    expect(await take(stream, 4)).to.deep.equal([4, 5, 6, 7]);
    expect(await nextWithin(stream)).to.equal("nothing");
    controller.abort();
  });

  it("filters by project and by kind, in replay and live alike", async () => {
    const { core } = harness();
    await record(core, 1, "p1", "work_changed"); // 1
    await record(core, 1, "p2", "work_changed"); // 2
    await record(core, 1, "p1", "event_created"); // 3
    const controller = new AbortController();
    const stream = subscribeToChanges(
      core,
      filter({ projectId: "p1", kinds: new Set<ChangeKind>(["event_created", "event_resolved"]), afterSeq: 0.5 }),
      controller.signal,
      100,
    );
    const first = stream.next();
    await record(core, 1, "p1", "event_resolved"); // 4
    await record(core, 1, "p2", "event_created"); // 5
    await record(core, 1, "p1", "work_changed"); // 6
    await record(core, 1, "p1", "event_created"); // 7
    expect((await first).value.seq).to.equal(3);
    expect(await take(stream, 2)).to.deep.equal([4, 7]);
    controller.abort();
  });

  it("fails with HISTORY_EXPIRED naming the oldest retained change when the cursor is older", async () => {
    const { core } = harness();
    await record(core, 6);
    core.state.changes.delete("1");
    core.state.changes.delete("2");
    core.state.changes.delete("3");
    const expired = await failure(subscribeToChanges(core, filter({ afterSeq: 2 }), new AbortController().signal, 100).next());
    expect(expired.reason).to.equal("HISTORY_EXPIRED");
    expect(expired.code).to.equal("OUT_OF_RANGE");
    expect(expired.metadata).to.deep.equal({ oldest_seq: "4" });
    expect(expired.message).to.include("oldest available change is 4");

    // The cursor just before the oldest retained change is still whole.
    const controller = new AbortController();
    const stream = subscribeToChanges(core, filter({ afterSeq: 3 }), controller.signal, 100);
    expect(await take(stream, 3)).to.deep.equal([4, 5, 6]);
    controller.abort();
  });

  it("fails with HISTORY_EXPIRED when every change was pruned and the cursor is not the latest", async () => {
    const { core } = harness();
    await record(core, 4);
    core.state.changes.clear();
    const expired = await failure(subscribeToChanges(core, filter({ afterSeq: 3 }), new AbortController().signal, 100).next());
    expect(expired.metadata).to.deep.equal({ oldest_seq: "5" });
    const controller = new AbortController();
    const stream = subscribeToChanges(core, filter({ afterSeq: 4 }), controller.signal, 100);
    const first = stream.next();
    await record(core, 1);
    expect((await first).value.seq).to.equal(5);
    controller.abort();
  });

  it("ends a subscriber that falls more than the buffer behind with SUBSCRIBER_TOO_SLOW and the cursor to resume from", async () => {
    const { core } = harness();
    const controller = new AbortController();
    const stream = subscribeToChanges(core, filter(), controller.signal, 3);
    const first = stream.next();
    await record(core, 1);
    expect((await first).value.seq).to.equal(1);
    // The consumer now holds change 1 and pulls nothing while more changes are committed.
    await record(core, 10);
    const delivered: number[] = [];
    let error: CommanderError | undefined;
    try {
      for (;;) {
        const next = await stream.next();
        if (next.done) break;
        delivered.push(next.value.seq);
      }
    } catch (caught) {
      error = caught as CommanderError;
    }
    expect(error?.reason).to.equal("SUBSCRIBER_TOO_SLOW");
    expect(error?.code).to.equal("RESOURCE_EXHAUSTED");
    const resumeAfter = Number(error!.metadata.resume_after_seq);
    expect(resumeAfter).to.equal(delivered.length === 0 ? 1 : delivered[delivered.length - 1]);
    expect(error!.message).to.include(`after_seq=${resumeAfter}`);
    // Resuming from the cursor gives exactly what the slow subscriber missed.
    const again = new AbortController();
    const resumed = subscribeToChanges(core, filter({ afterSeq: resumeAfter }), again.signal, 3);
    const rest = await take(resumed, 11 - resumeAfter);
    expect([1, ...delivered, ...rest]).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    again.abort();
  });

  it("lets go of a subscriber's buffer and hub listener as soon as it falls behind, before it pulls again", async () => {
    const { core } = harness();
    const baseline = core.changes.subscriberCount;
    const controller = new AbortController();
    const stream = subscribeToChanges(core, filter(), controller.signal, 3);
    const first = stream.next();
    await record(core, 1);
    await first;
    expect(core.changes.subscriberCount).to.equal(baseline + 1);
    await record(core, 10);
    // A stuck client never pulls again: nothing may stay subscribed (and buffered) on its behalf.
    expect(core.changes.subscriberCount).to.equal(baseline);
    controller.abort();
  });

  it("does not cut off a waiting subscriber when one commit carries more changes than the buffer", async () => {
    const { core } = harness();
    const controller = new AbortController();
    const stream = subscribeToChanges(core, filter(), controller.signal, 3);
    const first = stream.next();
    await tick();
    // One transaction with ten changes (a restart recovery or a cascade does this), published at once.
    await core.mutate((ctx) => {
      for (let index = 0; index < 10; index++) change(ctx.tx, "p1", "work_changed");
    });
    expect((await first).value.seq).to.equal(1);
    expect(await take(stream, 9)).to.deep.equal([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    controller.abort();
  });

  it("releases its hub listener when the signal aborts while it waits", async () => {
    const { core } = harness();
    const baseline = core.changes.subscriberCount;
    const controller = new AbortController();
    const stream = subscribeToChanges(core, filter(), controller.signal, 10);
    const first = stream.next();
    await tick();
    expect(core.changes.subscriberCount).to.equal(baseline + 1);
    controller.abort();
    expect((await first).done).to.equal(true);
    expect(core.changes.subscriberCount).to.equal(baseline);
  });

  it("releases its hub listener when the consumer stops pulling (return)", async () => {
    const { core } = harness();
    const baseline = core.changes.subscriberCount;
    await record(core, 3);
    const stream = subscribeToChanges(core, filter({ afterSeq: 1 }), new AbortController().signal, 10);
    expect((await stream.next()).value.seq).to.equal(2);
    expect(core.changes.subscriberCount).to.equal(baseline + 1);
    await stream.return(undefined);
    expect(core.changes.subscriberCount).to.equal(baseline);
  });

  it("never replays a change that is not yet durable, and delivers it once its commit succeeds", async () => {
    const h = harness();
    await record(h.core, 2);
    h.autoCommit = false;
    const inFlight = h.core.mutate((ctx) => change(ctx.tx, "p1", "work_changed")); // seq 3, not durable yet
    await tick();
    expect(h.pending).to.have.length(1);
    const controller = new AbortController();
    const stream = subscribeToChanges(h.core, filter({ afterSeq: 1 }), controller.signal, 10);
    expect((await stream.next()).value.seq).to.equal(2);
    const next = stream.next();
    expect(await Promise.race([next, tick().then(() => "nothing")])).to.equal("nothing");
    h.pending.shift()!.release();
    await inFlight;
    expect((await next).value.seq).to.equal(3);
    controller.abort();
  });

  it("never shows a watcher a change whose commit fails, so the reused seq still reaches it", async () => {
    const h = harness();
    await record(h.core, 2);
    h.autoCommit = false;
    const doomed = h.core.mutate((ctx) => change(ctx.tx, "p1", "work_changed", "doomed")).catch((error: unknown) => error);
    await tick();
    const controller = new AbortController();
    const stream = subscribeToChanges(h.core, filter({ afterSeq: 2 }), controller.signal, 10);
    const first = stream.next();
    await tick();
    h.pending.shift()!.fail();
    expect(await doomed).to.be.instanceOf(CommanderError);
    h.autoCommit = true;
    // The rolled-back seq 3 is given to the next change: the watcher must get that one.
    await record(h.core, 1);
    const delivered = (await first).value as ChangeRecord;
    expect(delivered.seq).to.equal(3);
    expect(delivered.subject.record.id).to.equal("w-3");
    controller.abort();
  });

  it("replays only durable changes also just after start-up, before anything was published", async () => {
    // Loaded from disk: durable. The daemon's first change after start-up is then in flight.
    const h = harness(2);
    h.autoCommit = false;
    const inFlight = h.core.mutate((ctx) => change(ctx.tx, "p1", "work_changed", "in flight"));
    await tick();
    const controller = new AbortController();
    const stream = subscribeToChanges(h.core, filter({ afterSeq: 1 }), controller.signal, 10);
    expect((await stream.next()).value.seq).to.equal(2);
    const next = stream.next();
    expect(await Promise.race([next, tick().then(() => "nothing")]), "seq 3 is not durable yet").to.equal("nothing");
    h.pending.shift()!.release();
    await inFlight;
    expect((await next).value.seq).to.equal(3);
    controller.abort();
  });

  it("with after_seq 0 still delivers a change that was in flight when it subscribed", async () => {
    const h = harness();
    await record(h.core, 2);
    h.autoCommit = false;
    const inFlight = h.core.mutate((ctx) => change(ctx.tx, "p1", "work_changed")); // seq 3
    await tick();
    const controller = new AbortController();
    const stream = subscribeToChanges(h.core, filter(), controller.signal, 10);
    const first = stream.next();
    await tick();
    h.pending.shift()!.release();
    await inFlight;
    expect((await first).value.seq).to.equal(3);
    controller.abort();
  });
});
