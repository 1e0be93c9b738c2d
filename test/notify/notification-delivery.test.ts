import { createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { JOURNAL_FILE } from "../../src/store/state-files.js";
import { failWork } from "../../src/domain/work-rules.js";
import { waitFor } from "../support/wait-for.js";
import { DASHBOARD, startHarness, type Harness } from "./support/notify-harness.js";
import { startReceiver } from "./support/webhook-receiver.js";

async function putWorkInProgress(harness: Harness, id: string, projectId: string): Promise<string> {
  await harness.core.mutate((ctx) =>
    ctx.tx.put("work", {
      id,
      projectId,
      content: "build it",
      state: "in_progress",
      priority: "medium",
      dependsOn: [],
      result: null,
      error: null,
      stateReason: null,
      blockedByEventId: null,
      attempts: 1,
      createdAt: ctx.now,
      startedAt: ctx.now,
      completedAt: null,
    }),
  );
  return id;
}

describe("notification delivery (real HTTP receivers)", function () {
  const cleanups: Array<() => Promise<void>> = [];
  const track = <T extends { close(): Promise<void> }>(thing: T): T => {
    cleanups.push(() => thing.close());
    return thing;
  };
  afterEach(async function () {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("POSTs a signed, versioned JSON document with a stable idempotency key and a deep link", async function () {
    const receiver = track(await startReceiver());
    const harness = track(await startHarness([{ name: "hook", url: `${receiver.url}/in`, secret: "s3cret" }]));
    const event = await harness.raise("May I run npm test?");
    const [request] = await waitFor(() => receiver.accepted().length === 1 && receiver.accepted(), { what: "the notification" });
    expect(request.method).to.equal("POST");
    expect(request.path).to.equal("/in");
    const timestamp = request.headers["x-commander-timestamp"] as string;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).to.be.below(30);
    const expected = createHmac("sha256", "s3cret").update(`${timestamp}.${request.body}`).digest("hex");
    expect(request.headers["x-commander-signature"]).to.equal(`sha256=${expected}`);
    expect(request.headers["idempotency-key"]).to.match(/^notification-[0-9a-f]{12}$/);
    expect(request.json).to.deep.include({ version: 1, happening: "needs_input", id: request.headers["idempotency-key"] });
    expect(request.json.link).to.equal(`${DASHBOARD}/events/${event.id}`);
    expect(request.json.items).to.deep.equal([
      { kind: "event", id: event.id, title: "May I run npm test?", text: "", options: ["allow", "deny"], priority: "high", link: `${DASHBOARD}/events/${event.id}` },
    ]);
    // The secret only signs: it never travels.
    expect(request.body).not.to.include("s3cret");
  });

  it("retries a receiver that is down, then fails with 500, then asks to wait with 429, and delivers each message exactly once, in order", async function () {
    const receiver = track(await startReceiver({ down: true, replies: [{ status: 500 }, { status: 429, headers: { "retry-after": "1" } }] }));
    const harness = track(await startHarness([{ name: "hook", url: `${receiver.url}/in` }]));
    const first = await harness.raise("first question", ["yes", "no"], "project-a");
    const second = await harness.raise("second question", ["yes", "no"], "project-b");
    // The receiver is down: the attempts fail with a connection error and are retried.
    await waitFor(() => [...harness.core.state.collections.outbox.values()].some((record) => record.attempts >= 2 && record.lastError !== null), { what: "failed attempts" });
    expect(receiver.requests).to.deep.equal([]);
    receiver.down = false;
    await waitFor(() => receiver.accepted().length === 2, { timeoutMs: 10_000, what: "both notifications delivered" });
    expect(receiver.requests.map((request) => request.status)).to.deep.equal([500, 429, 200, 200]);
    // The 429 asked for a second: the retry honoured it.
    expect(receiver.requests[2].at - receiver.requests[1].at).to.be.at.least(950);
    const keys = receiver.requests.map((request) => request.headers["idempotency-key"]);
    expect(keys[0]).to.equal(keys[1]).and.to.equal(keys[2]);
    const accepted = receiver.accepted().map((request) => request.json.items[0].id);
    expect(accepted).to.deep.equal([first.id, second.id]);
    expect(new Set(receiver.accepted().map((request) => request.headers["idempotency-key"])).size).to.equal(2);
    // The receiver has answered; the daemon records the delivery once that record is durable.
    const outbox = () => [...harness.core.state.collections.outbox.values()];
    await waitFor(() => outbox().every((record) => record.state !== "pending"), { what: "the deliveries recorded" });
    const records = outbox();
    expect(records.map((record) => record.state)).to.deep.equal(["delivered", "delivered"]);
    expect(records[0].attempts).to.be.at.least(4);
  });

  it("writes the happening and its outbox record in one journal entry (one durable write)", async function () {
    const receiver = track(await startReceiver({ down: true }));
    const harness = track(await startHarness([{ name: "a", url: receiver.url }, { name: "b", url: receiver.url }]));
    const event = await harness.raise("durable?");
    const entries = (await readFile(join(harness.directory, JOURNAL_FILE), "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line.slice(9)) as { ops: Array<[string, string, { target?: string }]> });
    const entry = entries.find((candidate) => candidate.ops.some(([collection, id]) => collection === "events" && id === event.id));
    expect(entry, "the journal entry of the event").to.not.equal(undefined);
    const queued = entry!.ops.filter(([collection]) => collection === "outbox").map(([, , record]) => record.target);
    expect(queued).to.deep.equal(["a", "b"]);
  });

  it("stops retrying on a 4xx other than 408 and 429, recording the error", async function () {
    const receiver = track(await startReceiver({ fallback: { status: 410 } }));
    const harness = track(await startHarness([{ name: "gone", url: receiver.url }]));
    await harness.raise("anyone there?");
    const record = await waitFor(() => [...harness.core.state.collections.outbox.values()].find((candidate) => candidate.state === "failed"), { what: "a failed notification" });
    expect(record.attempts).to.equal(1);
    expect(record.lastError).to.match(/HTTP 410/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.requests).to.have.length(1);
  });

  it("coalesces needs-input happenings of one project within the window into one message", async function () {
    const receiver = track(await startReceiver());
    const harness = track(await startHarness([{ name: "phone", url: receiver.url }], { coalesceMs: 400 }));
    const events = [];
    for (let index = 1; index <= 5; index++) events.push(await harness.raise(`approval ${index}`));
    const other = await harness.raise("elsewhere", ["ok"], "project-2");
    await waitFor(() => receiver.accepted().length === 2, { what: "two messages" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.requests).to.have.length(2);
    const byProject = new Map(receiver.requests.map((request) => [request.json.project.id, request.json]));
    expect(byProject.get("project-1").items.map((item: { id: string }) => item.id)).to.deep.equal(events.map((event) => event.id));
    expect(byProject.get("project-1").title).to.equal("project-1: 5 questions need an answer");
    expect(byProject.get("project-2").items.map((item: { id: string }) => item.id)).to.deep.equal([other.id]);
  });

  it("sends only the happenings a target wants, for the projects it wants", async function () {
    const receiver = track(await startReceiver());
    const harness = track(
      await startHarness([{ name: "failures", url: receiver.url, on: ["work_failed"], projects: ["project-1"] }]),
    );
    await harness.raise("not wanted");
    const item = await putWorkInProgress(harness, "work-1", "project-1");
    const other = await putWorkInProgress(harness, "work-2", "project-9");
    await harness.core.mutate((ctx) => {
      failWork(ctx, item, "compiler crashed");
      failWork(ctx, other, "not this project");
    });
    await waitFor(() => receiver.accepted().length === 1, { what: "the work_failed message" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.requests).to.have.length(1);
    expect(receiver.requests[0].json).to.deep.include({ happening: "work_failed", title: "project-1: work failed" });
    expect(receiver.requests[0].json.items[0]).to.deep.include({ id: item, text: "compiler crashed" });
  });

  it("a receiver that never answers delays only its own messages (timeout per attempt, other targets unaffected)", async function () {
    const slow = track(await startReceiver({ fallback: { status: 200, delayMs: 60_000 } }));
    const fast = track(await startReceiver());
    const harness = track(
      await startHarness([{ name: "slow", url: slow.url }, { name: "fast", url: fast.url }], { attemptTimeoutMs: 300 }),
    );
    const started = Date.now();
    await harness.raise("question");
    await waitFor(() => fast.accepted().length === 1, { what: "the fast target's message" });
    expect(Date.now() - started).to.be.below(1_000);
    const record = await waitFor(
      () => [...harness.core.state.collections.outbox.values()].find((candidate) => candidate.target === "slow" && candidate.attempts >= 1),
      { what: "the slow target's timed-out attempt" },
    );
    expect(record.state).to.equal("pending");
    expect(record.lastError).to.match(/no answer within 300 ms/);
  });

  it("marks health degraded, naming the target, once a target has failed for the configured time", async function () {
    const receiver = track(await startReceiver({ fallback: { status: 503 } }));
    const harness = track(await startHarness([{ name: "pager", url: receiver.url }], { failingAfterMs: 300 }));
    await harness.raise("question");
    const problem = await waitFor(() => harness.health.list().find((candidate) => candidate.code === "NOTIFICATION_TARGET_FAILING"), { what: "the health problem" });
    expect(problem.message).to.match(/notification target "pager" has failed/);
    expect(harness.health.status).to.equal("degraded");
  });

});
