import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { expect } from "chai";
import { EventSource } from "eventsource";
import { EventStatus, EventType } from "../../gen/es/commander/v1/event_pb.js";
import { WorkState } from "../../gen/es/commander/v1/work_item_pb.js";
import { REPO_ROOT, startDaemon, type DaemonProcess } from "../support/daemon-process.js";
import { rest } from "../support/rest-client.js";
import { waitFor } from "../support/wait-for.js";
import {
  connectClient,
  connectEnd,
  fromConnectChange,
  watchOverConnect,
  watchOverGrpc,
  watchOverRest,
  watchWithEventSource,
  type ChangeWatcher,
  type SeenChange,
  type StreamEnd,
} from "./support/change-watchers.js";

// Issue 5 end to end: WatchChanges and WatchSessionOutput against the real daemon process, over Connect,
// @grpc/grpc-js, Server-Sent Events (fetch and a standard EventSource) and NDJSON. The daemon logs (at
// debug level) every change watch it opens and closes with the number still open, and every watcher it
// cuts off; the tests read those lines to check that subscriptions are released.

const FAKE_AGENT = [process.execPath, join(REPO_ROOT, "test/support/fake-agent.mjs")];
// "Within a fraction of a second": typically a few ms; generous because test machines can be heavily loaded.
const LIVE_LATENCY_MS = 1000;
const seqs = (changes: readonly SeenChange[]) => changes.map((change) => change.seq);

/** Asserts strictly increasing sequence numbers: in order, and none twice. */
function expectStrictlyIncreasing(changes: readonly SeenChange[], who: string): void {
  for (let index = 1; index < changes.length; index++) {
    expect(changes[index].seq, `${who}: seq #${index} after ${changes[index - 1].seq}`).to.be.greaterThan(changes[index - 1].seq);
  }
}

/** A project directory, its registration, and optionally a pause (a paused project's agent never starts). */
async function registerProject(url: string, workDir: string, paused: boolean): Promise<string> {
  const dir = await mkdtemp(join(workDir, "project-"));
  const response = await rest(url, "POST", "/api/projects", { path: dir });
  expect(response.status, response.text).to.equal(201);
  if (paused) expect((await rest(url, "POST", `/api/projects/${response.body.id}/pause`, {})).status).to.equal(200);
  return response.body.id;
}

async function addWork(url: string, projectId: string, content: string): Promise<string> {
  const response = await rest(url, "POST", "/api/work", { project_id: projectId, content });
  expect(response.status, response.text).to.equal(201);
  return response.body.id;
}

/** The log lines of the daemon's change watches, and how many were open after the last one. */
function watchLog(daemon: DaemonProcess): { lines: Array<Record<string, unknown>>; open: number } {
  const lines = daemon.logLines().filter((line) => line.component === "watch");
  const counts = lines.filter((line) => line.msg === "change watch opened" || line.msg === "change watch closed");
  return { lines, open: counts.length === 0 ? 0 : (counts[counts.length - 1].watchers as number) };
}

function untilOpenWatches(daemon: DaemonProcess, count: number, what = `${count} open change watches`): Promise<true> {
  return waitFor(() => watchLog(daemon).open === count || undefined, { timeoutMs: 10_000, what: `${what} (now ${watchLog(daemon).open})` });
}

describe("streaming (real daemon): WatchChanges and WatchSessionOutput", function () {
  this.timeout(60_000);
  let daemon: DaemonProcess;
  let workDir: string;
  let cleanups: Array<() => void> = [];
  /** Every watcher a test opens, so that afterEach can close what a failed test left open. */
  const track = <W extends { cancel(): void }>(watcher: W): W => {
    cleanups.push(() => watcher.cancel());
    return watcher;
  };

  before(async function () {
    workDir = await mkdtemp(join(tmpdir(), "commander-streaming-"));
    daemon = await startDaemon({
      args: ["--log-level", "debug"],
      env: {
        COMMANDER_DEFAULT_RUNTIME: "shell",
        COMMANDER_RUNTIMES: JSON.stringify({ shell: { command: FAKE_AGENT } }),
        COMMANDER_MAX_BUFFERED_CHANGES: "32",
        COMMANDER_MAX_PROJECTS: "50",
        COMMANDER_AGENT_ENV: "FAKE_AGENT_LOG",
        FAKE_AGENT_LOG: join(workDir, "agent-log.jsonl"),
      },
    });
  });

  afterEach(async function () {
    for (const cleanup of cleanups) cleanup();
    cleanups = [];
    // Whatever the test did, every change watch it opened is released once its client is gone.
    await untilOpenWatches(daemon, 0, "every change watch of the test to be released");
  });

  after(async function () {
    await daemon?.stop();
    await daemon?.cleanup();
    await rm(workDir, { recursive: true, force: true });
  });

  it("tells a watcher of the approval a real agent session raises, and of every work and session state on the way", async function () {
    const projectId = await registerProject(daemon.url, workDir, false);
    const everything = track(watchOverConnect(daemon.url, { projectId }));
    const events = track(watchOverGrpc(daemon.port, { projectId, kinds: ["event_created", "event_resolved"] }));
    await untilOpenWatches(daemon, 2);

    const itemId = await addWork(daemon.url, projectId, "ask-yn before going on");
    const approval = await events.until(
      (change) => change.kind === "event_created" && change.eventType === String(EventType.APPROVAL),
      "the approval event",
      20_000,
    );
    expect(approval.eventStatus).to.equal(String(EventStatus.PENDING));
    expect(approval.projectId).to.equal(projectId);
    expect(approval.receivedAt - approval.time, "delay between the change and its delivery (ms)").to.be.below(LIVE_LATENCY_MS);
    const pending = (await rest(daemon.url, "GET", `/api/events/pending?project_id=${projectId}`)).body.events as Array<{ id: string }>;
    expect(pending.map((event) => event.id)).to.include(approval.subjectId);

    // The unfiltered watcher saw the same event under the same seq, and the item's states on the way.
    const sameEvent = await everything.until((change) => change.seq === approval.seq, "the approval's change");
    expect(sameEvent.subjectId).to.equal(approval.subjectId);
    await everything.until((change) => change.subjectId === itemId && change.state === String(WorkState.BLOCKED), "the item blocked");
    const itemStates = everything.changes.filter((change) => change.subjectId === itemId).map((change) => Number(change.state));
    expect(itemStates.slice(0, 2)).to.deep.equal([WorkState.QUEUED, WorkState.IN_PROGRESS]);
    expect(everything.changes.some((change) => change.kind === "session_changed")).to.equal(true);
    expect(events.changes.every((change) => change.kind === "event_created" || change.kind === "event_resolved")).to.equal(true);

    // The session's terminal: a snapshot first (the question is on the screen), then live output.
    const output = track({ ...connectClient(daemon.url), cancel: () => output.close() });
    try {
      const controller = new AbortController();
      const stream = output.watch.watchSessionOutput({ projectId }, { signal: controller.signal })[Symbol.asyncIterator]();
      const snapshot = (await stream.next()).value;
      expect(snapshot.snapshot).to.equal(true);
      expect(snapshot.data).to.include("Proceed? (y/n)");
      const ndjson = await fetch(`${daemon.url}/api/sessions/${projectId}/output`);
      expect(ndjson.headers.get("content-type")).to.match(/^application\/x-ndjson/);
      const reader = ndjson.body!.getReader();
      const firstLine = JSON.parse(new TextDecoder().decode((await reader.read()).value).split("\n")[0]);
      expect(firstLine.result.snapshot).to.equal(true);
      expect(firstLine.result.data).to.include("Proceed? (y/n)");
      await reader.cancel();

      const resolved = await rest(daemon.url, "POST", `/api/events/${approval.subjectId}/resolve`, { resolution: "User approved action" });
      expect(resolved.status, resolved.text).to.equal(200);
      let written = "";
      while (!written.includes("proceeding")) {
        const next = await stream.next();
        expect(next.done, `output ended before "proceeding"; got ${JSON.stringify(written)}`).to.equal(false);
        expect(next.value.snapshot).to.equal(false);
        written += next.value.data;
      }
      controller.abort();
      await stream.next().catch(() => undefined);
    } finally {
      output.close();
    }

    const resolution = await events.until((change) => change.kind === "event_resolved", "the approval resolved");
    expect(resolution.subjectId).to.equal(approval.subjectId);
    expect(resolution.eventStatus).to.equal(String(EventStatus.RESOLVED));
    await everything.until((change) => change.subjectId === itemId && change.state === String(WorkState.COMPLETED), "the item completed", 20_000);
    expectStrictlyIncreasing(everything.changes, "Connect");
    expectStrictlyIncreasing(events.changes, "grpc-js");
  });

  it("ends a session's output stream when the session stops, and refuses one for a project without a running session", async function () {
    const projectId = await registerProject(daemon.url, workDir, false);
    const none = await rest(daemon.url, "GET", `/api/sessions/${projectId}/output`);
    expect(none.status, none.text).to.equal(404);
    expect(none.body.details[0].reason).to.equal("SESSION_NOT_FOUND");
    const itemId = await addWork(daemon.url, projectId, "hello");
    await waitFor(async () => (await rest(daemon.url, "GET", `/api/work/${itemId}`)).body.state === "completed", { timeoutMs: 20_000, what: "the item to complete" });

    const output = track({ ...connectClient(daemon.url), cancel: () => output.close() });
    try {
      const stream = output.watch.watchSessionOutput({ projectId })[Symbol.asyncIterator]();
      const snapshot = (await stream.next()).value;
      expect(snapshot.snapshot).to.equal(true);
      expect(snapshot.data).to.include("done: hello");
      const stopped = await rest(daemon.url, "POST", `/api/sessions/${projectId}/stop`, {});
      expect(stopped.status, stopped.text).to.equal(200);
      // The agent is gone: nothing more will be written, and the watcher must hear so rather than wait forever.
      const ended = (async () => {
        try {
          while (!(await stream.next()).done);
          return "ended";
        } catch (error) {
          return `failed: ${connectEnd(error).message}`;
        }
      })();
      const outcome = await Promise.race([ended, new Promise((resolve) => setTimeout(() => resolve("still open 3 s after the stop"), 3000))]);
      expect(outcome, "the output stream of a stopped session").to.match(/^(ended|failed)/);
    } finally {
      output.close();
    }
    const after = await rest(daemon.url, "GET", `/api/sessions/${projectId}/output`);
    expect(after.status, after.text).to.equal(404);
  });

  it("delivers the same subscription, change for change, over Connect, grpc-js, SSE, EventSource and NDJSON", async function () {
    const projectId = await registerProject(daemon.url, workDir, true);
    const other = await registerProject(daemon.url, workDir, true);
    const request = { projectId, kinds: ["work_changed", "inbox_changed"] };
    const all = [
      track(watchOverConnect(daemon.url, request)),
      track(watchOverGrpc(daemon.port, request)),
      track(watchOverRest(daemon.url, request, "sse")),
      track(watchWithEventSource(daemon.url, request)),
      track(watchOverRest(daemon.url, request, "ndjson", { path: "/api/changes" })),
    ];
    await untilOpenWatches(daemon, all.length);

    const sent = Date.now();
    const first = await addWork(daemon.url, projectId, "one");
    for (const watcher of all) {
      const change = await watcher.until((seen) => seen.subjectId === first, "the first item");
      expect(change.receivedAt - sent, `${watcher.protocol}: delay (ms)`).to.be.below(LIVE_LATENCY_MS);
    }
    await addWork(daemon.url, other, "not for these watchers");
    const second = await addWork(daemon.url, projectId, "two");
    const message = await rest(daemon.url, "POST", "/api/inbox", { project_id: projectId, content: "a note" });
    expect(message.status).to.equal(201);
    const cancelled = await rest(daemon.url, "POST", `/api/work/${second}/cancel`, {});
    expect(cancelled.status, cancelled.text).to.equal(200);

    for (const watcher of all) {
      await watcher.until((seen) => seen.subjectId === second && seen.state === String(WorkState.CANCELLED), "the cancelled item");
    }
    const reference = all[0].changes.map(({ seq, kind, projectId: id, subjectId, state }) => ({ seq, kind, projectId: id, subjectId, state }));
    expect(reference.map((change) => change.kind)).to.include.members(["work_changed", "inbox_changed"]);
    expect(reference.every((change) => change.projectId === projectId)).to.equal(true);
    for (const watcher of all.slice(1)) {
      const seen = watcher.changes.map(({ seq, kind, projectId: id, subjectId, state }) => ({ seq, kind, projectId: id, subjectId, state }));
      expect(seen, watcher.protocol).to.deep.equal(reference);
    }
    const sse = all[2] as ReturnType<typeof watchOverRest>;
    expect(sse.ids, "SSE id: is the change's seq").to.deep.equal(reference.map((change) => String(change.seq)));
    expect(sse.text()).to.match(/^id: \d+\ndata: \{/m);
  });

  it("gives a watcher that resumes with its cursor exactly the changes it missed, over Connect, grpc-js and NDJSON", async function () {
    const projectId = await registerProject(daemon.url, workDir, true);
    const reference = track(watchOverConnect(daemon.url, { projectId }));
    const first = track(watchOverGrpc(daemon.port, { projectId }));
    await untilOpenWatches(daemon, 2);
    const seenBefore: string[] = [];
    for (const content of ["a", "b", "c"]) seenBefore.push(await addWork(daemon.url, projectId, content));
    await first.until((change) => change.subjectId === seenBefore[2], "the third item");
    const cursor = first.changes[first.changes.length - 1].seq;
    first.cancel();
    expect((await first.ended).code).to.equal(Code.Canceled);
    await untilOpenWatches(daemon, 1);

    const missed: string[] = [];
    for (const content of ["d", "e", "f", "g"]) missed.push(await addWork(daemon.url, projectId, content));
    await rest(daemon.url, "POST", `/api/work/${seenBefore[0]}/cancel`, {});
    const resumed = [
      track(watchOverGrpc(daemon.port, { projectId, afterSeq: cursor })),
      track(watchOverConnect(daemon.url, { projectId, afterSeq: cursor })),
      track(watchOverRest(daemon.url, { projectId, afterSeq: cursor }, "ndjson")),
    ];
    await untilOpenWatches(daemon, 4);
    const live = await addWork(daemon.url, projectId, "live after the resume");

    await reference.until((change) => change.subjectId === live, "the live item");
    const expected = reference.changes.filter((change) => change.seq > cursor);
    expect(expected.map((change) => change.subjectId)).to.include.members([...missed, seenBefore[0], live]);
    for (const watcher of resumed) {
      await watcher.until((change) => change.subjectId === live, "the live item");
      expect(seqs(watcher.changes), watcher.protocol).to.deep.equal(seqs(expected));
      expect(watcher.changes.map((change) => change.subjectId), watcher.protocol).to.deep.equal(expected.map((change) => change.subjectId));
    }
  });

  it("lets a standard EventSource reconnect with Last-Event-ID after a dropped connection and miss nothing", async function () {
    const projectId = await registerProject(daemon.url, workDir, true);
    const reference = track(watchOverConnect(daemon.url, { projectId }));
    const source = track(watchWithEventSource(daemon.url, { projectId }));
    await untilOpenWatches(daemon, 2);
    const before = [await addWork(daemon.url, projectId, "one"), await addWork(daemon.url, projectId, "two")];
    await source.until((change) => change.subjectId === before[1], "the second item");
    const lastSeen = source.changes[source.changes.length - 1].seq;

    source.dropConnection();
    await untilOpenWatches(daemon, 1, "the dropped SSE stream to be released");
    // Made while the EventSource waits to reconnect (3 s by default).
    const during = [await addWork(daemon.url, projectId, "three"), await addWork(daemon.url, projectId, "four")];
    await source.until((change) => change.subjectId === during[1], "the item added while disconnected", 15_000);
    const after = await addWork(daemon.url, projectId, "five");
    await source.until((change) => change.subjectId === after, "a live item after the reconnection");

    expect(source.requests.map((request) => request.lastEventId)).to.deep.equal([null, String(lastSeen)]);
    expect(source.connectionErrors, "the reconnection went through the error event").to.have.length(1);
    await reference.until((change) => change.subjectId === after, "the live item");
    expect(seqs(source.changes)).to.deep.equal(seqs(reference.changes));
  });

  it("cuts off a subscriber that falls too far behind with a resumable RESOURCE_EXHAUSTED, while others keep receiving", async function () {
    const projectId = await registerProject(daemon.url, workDir, true);
    const slow = connectClient(daemon.url);
    track({ cancel: () => slow.close() });
    const slowController = new AbortController();
    const slowStream = slow.watch.watchChanges({ projectId }, { signal: slowController.signal })[Symbol.asyncIterator]();
    const slowFirst = slowStream.next();
    const others = [track(watchOverGrpc(daemon.port, { projectId })), track(watchOverRest(daemon.url, { projectId }, "sse"))];
    await untilOpenWatches(daemon, 3);
    const openBefore = watchLog(daemon).lines.length;

    // 120 changes of ~4 KB: far more than the slow client's HTTP/2 window and the daemon's 32-change
    // buffer hold, while the slow client reads nothing after its first change. The padding is random:
    // Connect compresses messages, and a repeated letter would shrink to nothing on the wire.
    const items: string[] = [];
    for (let index = 0; index < 120; index++) {
      items.push(await addWork(daemon.url, projectId, `item ${index} ${randomBytes(3000).toString("base64")}`));
    }
    const delivered: SeenChange[] = [fromConnectChange((await slowFirst).value.change!)];
    for (const watcher of others) await watcher.until((change) => change.subjectId === items[119], "the last item");

    // The daemon let go of the stuck subscriber without waiting for it to read.
    const cutOff = await waitFor(
      () => watchLog(daemon).lines.slice(openBefore).find((line) => line.msg === "change watcher fell behind: released"),
      { what: "the daemon to cut the slow watcher off" },
    );
    const hubBaseline = cutOff.hubSubscribers as number;

    let end: StreamEnd | undefined;
    try {
      for (;;) {
        const next = await slowStream.next();
        if (next.done) break;
        delivered.push(fromConnectChange(next.value.change!));
      }
    } catch (error) {
      end = connectEnd(error);
    } finally {
      slow.close();
    }
    expect(end?.code, JSON.stringify(end)).to.equal(Code.ResourceExhausted);
    expect(end?.reason).to.equal("SUBSCRIBER_TOO_SLOW");
    const cursor = Number(end!.metadata.resume_after_seq);
    expect(cursor, "the cursor is the last change it received").to.equal(delivered[delivered.length - 1].seq);
    expect(cursor).to.equal(cutOff.resumeAfterSeq);
    expect(end!.message).to.include(`after_seq=${cursor}`);
    expect(delivered.length).to.be.below(items.length);

    // Resuming from the cursor gives the rest, and together exactly what the fast watchers got.
    const resumed = track(watchOverConnect(daemon.url, { projectId, afterSeq: cursor }));
    await resumed.until((change) => change.subjectId === items[119], "the last item");
    for (const watcher of others) {
      expect(seqs([...delivered, ...resumed.changes]), watcher.protocol).to.deep.equal(seqs(watcher.changes));
    }
    // Once the fast ones are gone too, the hub is back to its own subscribers (the agent supervisor's).
    for (const watcher of [...others, resumed]) watcher.cancel();
    await untilOpenWatches(daemon, 0);
    const closed = watchLog(daemon).lines.filter((line) => line.msg === "change watch closed");
    expect(closed[closed.length - 1].hubSubscribers).to.equal(hubBaseline - 2);
  });

  it("releases the subscription at once when a client cancels, over every protocol", async function () {
    const projectId = await registerProject(daemon.url, workDir, true);
    const baseline = watchLog(daemon).lines.filter((line) => line.msg === "change watch closed").pop()?.hubSubscribers as number | undefined;
    const clients: ChangeWatcher[] = [
      watchOverConnect(daemon.url, { projectId }),
      watchOverGrpc(daemon.port, { projectId }),
      watchOverRest(daemon.url, { projectId }, "sse"),
      watchOverRest(daemon.url, { projectId }, "ndjson"),
      watchWithEventSource(daemon.url, { projectId }),
    ];
    clients.forEach(track);
    await untilOpenWatches(daemon, clients.length);
    const itemId = await addWork(daemon.url, projectId, "seen by all");
    for (const client of clients) await client.until((change) => change.subjectId === itemId, "the item");
    for (let index = 0; index < clients.length; index++) {
      const started = Date.now();
      clients[index].cancel();
      await untilOpenWatches(daemon, clients.length - index - 1, `${clients[index].protocol} to be released`);
      expect(Date.now() - started, `${clients[index].protocol}: release delay (ms)`).to.be.below(1000);
    }
    // A client that vanishes without a word (its socket destroyed) is released too.
    const request = http.get(`${daemon.url}/api/changes?project_id=${projectId}`, { agent: false });
    request.on("error", () => undefined);
    await untilOpenWatches(daemon, 1);
    request.destroy();
    await untilOpenWatches(daemon, 0, "the destroyed connection's watch to be released");
    if (baseline !== undefined) {
      const closed = watchLog(daemon).lines.filter((line) => line.msg === "change watch closed");
      expect(closed[closed.length - 1].hubSubscribers, "hub subscribers").to.equal(baseline);
    }
  });
});

describe("streaming across a daemon restart, and an expired cursor", function () {
  this.timeout(60_000);
  let workDir: string;

  before(async function () {
    workDir = await mkdtemp(join(tmpdir(), "commander-streaming-restart-"));
  });

  after(async function () {
    await rm(workDir, { recursive: true, force: true });
  });

  it("ends every open stream with UNAVAILABLE on shutdown; resuming with the cursor after the restart gives exactly the missed changes", async function () {
    const stateDir = join(workDir, "state");
    await mkdir(stateDir);
    let daemon = await startDaemon({ stateDir });
    const port = daemon.port;
    const open: ChangeWatcher[] = [];
    try {
      const projectId = await registerProject(daemon.url, workDir, true);
      const first = watchOverConnect(daemon.url, { projectId });
      const seen = [await addWork(daemon.url, projectId, "seen 1"), await addWork(daemon.url, projectId, "seen 2")];
      await first.until((change) => change.subjectId === seen[1], "the second item");
      const cursor = first.changes[first.changes.length - 1].seq;
      first.cancel();

      // Streams open at shutdown, one per protocol; the EventSource resumes by itself afterwards.
      open.push(
        watchOverConnect(daemon.url, { projectId, afterSeq: cursor }),
        watchOverGrpc(port, { projectId, afterSeq: cursor }),
        watchOverRest(daemon.url, { projectId, afterSeq: cursor }, "sse"),
        watchOverRest(daemon.url, { projectId, afterSeq: cursor }, "ndjson"),
      );
      const source = watchWithEventSource(daemon.url, { projectId, afterSeq: cursor });
      open.push(source);
      const missedBefore = [await addWork(daemon.url, projectId, "missed 1"), await addWork(daemon.url, projectId, "missed 2")];
      for (const watcher of open) await watcher.until((change) => change.subjectId === missedBefore[1], "the second missed item");
      const lastBeforeRestart = source.changes[source.changes.length - 1].seq;

      expect(await daemon.stop("SIGTERM")).to.equal(0);
      for (const watcher of open.slice(0, 4)) {
        const end = await watcher.ended;
        expect(end.code, `${watcher.protocol}: ${JSON.stringify(end)}`).to.equal(Code.Unavailable);
      }
      await waitFor(() => source.streamErrors[0], { what: "the EventSource to get the daemon's error event" });
      expect(source.streamErrors[0].code).to.equal(Code.Unavailable);

      daemon = await startDaemon({ stateDir, args: ["--port", String(port)] });
      expect(daemon.port).to.equal(port);
      const missedAfter = [await addWork(daemon.url, projectId, "after restart 1"), await addWork(daemon.url, projectId, "after restart 2")];

      const resumedConnect = watchOverConnect(daemon.url, { projectId, afterSeq: cursor });
      const resumedGrpc = watchOverGrpc(port, { projectId, afterSeq: cursor });
      open.push(resumedConnect, resumedGrpc);
      for (const watcher of [resumedConnect, resumedGrpc, source]) {
        await watcher.until((change) => change.subjectId === missedAfter[1], "the last item after the restart", 15_000);
      }
      const expected = resumedConnect.changes;
      expectStrictlyIncreasing(expected, "resumed");
      const items = expected.filter((change) => change.kind === "work_changed").map((change) => change.subjectId);
      expect([...new Set(items)]).to.deep.equal([...missedBefore, ...missedAfter]);
      const firstAfter = expected.find((change) => change.subjectId === missedAfter[0])!;
      expect(firstAfter.seq, "sequence numbers go on after the restart").to.be.greaterThan(lastBeforeRestart);
      expect(seqs(resumedGrpc.changes)).to.deep.equal(seqs(expected));
      // The EventSource got the missed changes before the shutdown, and the rest after reconnecting
      // with Last-Event-ID: together, the same list, each change once.
      expect(seqs(source.changes)).to.deep.equal(seqs(expected));
      expect(source.requests.length).to.be.at.least(2);
      expect(source.requests[0].lastEventId).to.equal(null);
      expect(source.requests.slice(1).every((request) => request.lastEventId === String(lastBeforeRestart))).to.equal(true);
    } finally {
      for (const watcher of open) watcher.cancel();
      await daemon.stop();
      await daemon.cleanup();
    }
  });

  it("answers OUT_OF_RANGE naming the oldest retained change when the cursor is older, over every protocol", async function () {
    const daemon = await startDaemon({ env: { COMMANDER_HISTORY_MAX_CHANGES: "5", COMMANDER_SAVE_INTERVAL: "0.2" } });
    const open: ChangeWatcher[] = [];
    try {
      const projectId = await registerProject(daemon.url, workDir, true);
      const items: string[] = [];
      for (let index = 0; index < 10; index++) items.push(await addWork(daemon.url, projectId, `item ${index}`));
      // Pruning runs every 0.2 s; wait until it has caught up (the oldest retained stays put).
      let previous: StreamEnd | undefined;
      const expired = await waitFor(
        async () => {
          // Until pruning has run, the cursor is still valid and the stream stays open: give up on it
          // after a second and ask again.
          const watcher = watchOverConnect(daemon.url, { afterSeq: 1 });
          const end = await Promise.race([watcher.ended, new Promise<undefined>((resolve) => setTimeout(resolve, 1000))]);
          if (end === undefined) {
            watcher.cancel();
            await watcher.ended.catch(() => undefined);
            return undefined;
          }
          const settled = end.code === Code.OutOfRange && previous?.metadata.oldest_seq === end.metadata.oldest_seq;
          previous = end;
          return settled ? end : undefined;
        },
        { intervalMs: 400, what: "the history to be pruned" },
      );
      expect(expired.reason).to.equal("HISTORY_EXPIRED");
      const oldest = Number(expired.metadata.oldest_seq);
      expect(oldest).to.be.greaterThan(2);
      expect(expired.message).to.include(`oldest available change is ${oldest}`);

      const overGrpc = await watchOverGrpc(daemon.port, { afterSeq: 1 }).ended;
      expect(overGrpc.code).to.equal(Code.OutOfRange);
      expect(overGrpc.metadata.oldest_seq).to.equal(String(oldest));
      const overRest = await rest(daemon.url, "GET", "/api/changes?after_seq=1");
      expect(overRest.status).to.equal(400);
      expect(overRest.body.code).to.equal(Code.OutOfRange);
      expect(overRest.body.details[0].reason).to.equal("HISTORY_EXPIRED");
      // A standard EventSource whose Last-Event-ID has expired gets the 400 and stops reconnecting.
      const source = new EventSource(`${daemon.url}/api/events/stream`, {
        fetch: (url, init) => fetch(url, { ...(init as RequestInit), headers: { ...(init?.headers as Record<string, string>), "Last-Event-ID": "1" } }),
      });
      const failed = await new Promise<{ code?: number }>((resolve) => source.addEventListener("error", (event) => resolve(event as { code?: number })));
      expect(failed.code).to.equal(400);
      expect(source.readyState).to.equal(EventSource.CLOSED);
      source.close();

      // The cursor just before the oldest retained change still resumes, with everything retained.
      const resumed = watchOverGrpc(daemon.port, { afterSeq: oldest - 1 });
      open.push(resumed);
      await resumed.until((change) => change.subjectId === items[9], "the last item");
      expect(resumed.changes[0].seq).to.equal(oldest);
      expect(resumed.changes, "the retained history is 5 changes").to.have.length(5);
      expectStrictlyIncreasing(resumed.changes, "grpc-js");
    } finally {
      for (const watcher of open) watcher.cancel();
      await daemon.stop();
      await daemon.cleanup();
    }
  });
});
