import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { StateTransaction } from "../../src/domain/commander-state.js";
import { CommanderError } from "../../src/domain/commander-error.js";
import { decodeJournalLine } from "../../src/store/journal.js";
import { JOURNAL_FILE, PREVIOUS_JOURNAL_FILE, type StoreProblem } from "../../src/store/state-files.js";
import { openStateStore, type StateStore } from "../../src/store/state-store.js";
import { waitFor } from "../support/wait-for.js";
import {
  captureLogger,
  countDatasyncs,
  event,
  inboxMessage,
  listDir,
  makeDirectoryReadOnly,
  mountSmallDisk,
  project,
  putTx,
  session,
  snapshotPath,
  T0,
  tempDir,
  withFileHandleMethod,
  workItem,
  writeRaw,
} from "./store-test-kit.js";

async function open(directory: string, extra: { compactAfterBytes?: number; problems?: StoreProblem[] } = {}): Promise<StateStore> {
  return openStateStore({
    directory,
    logger: captureLogger().logger,
    compactAfterBytes: extra.compactAfterBytes,
    onProblem: (problem) => extra.problems?.push(problem),
  });
}

async function journalEntries(directory: string, file = JOURNAL_FILE): Promise<Array<{ seq: number; ops: unknown[][] }>> {
  const text = await readFile(join(directory, file), "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(decodeJournalLine(line) ?? "null"));
}

async function snapshotDocument(directory: string, collection: "projects" | "work"): Promise<Record<string, any>> {
  return JSON.parse(await readFile(snapshotPath(directory, collection), "utf8"));
}

function expectUnwritable(error: unknown): void {
  expect(error).to.be.instanceOf(CommanderError);
  expect((error as CommanderError).reason).to.equal("STATE_UNWRITABLE");
  expect((error as CommanderError).code).to.equal("UNAVAILABLE");
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

describe("openStateStore", () => {
  let directory: string;
  const stores: StateStore[] = [];

  beforeEach(async () => {
    directory = await tempDir();
  });

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close().catch(() => undefined);
    await rm(directory, { recursive: true, force: true });
  });

  async function fresh(extra: Parameters<typeof open>[1] = {}): Promise<StateStore> {
    const store = await open(directory, extra);
    stores.push(store);
    return store;
  }

  async function reopen(store: StateStore, extra: Parameters<typeof open>[1] = {}): Promise<StateStore> {
    await store.close();
    return fresh(extra);
  }

  it("has the transaction in the fsynced journal by the time commit resolves", async () => {
    const store = await fresh();
    await store.commit(putTx(store.state, "projects", project("p1")));
    const entries = await journalEntries(directory);
    expect(entries).to.have.length(1);
    expect(entries[0].ops).to.deep.equal([["projects", "p1", project("p1")]]);
  });

  it("brings back every kind of record after a reopen", async () => {
    const store = await fresh();
    const tx = new StateTransaction(store.state, T0);
    tx.put("projects", project("p1"));
    tx.put("sessions", session("s1", "p1"));
    tx.put("work", workItem("w1", "p1"));
    tx.put("work", workItem("w2", "p1", { state: "completed", result: "ok", completedAt: T0 }));
    tx.put("events", event("e1", "p1"));
    tx.put("inbox", inboxMessage("m1", "p1"));
    tx.change("project_changed", "p1", { type: "project", record: project("p1") });
    await store.commit(tx);

    const again = await reopen(store);
    expect(again.state.projects.get("p1")).to.deep.equal(project("p1"));
    expect(again.state.sessions.get("s1")).to.deep.equal(session("s1", "p1"));
    expect(again.state.work.get("w2")).to.deep.equal(workItem("w2", "p1", { state: "completed", result: "ok", completedAt: T0 }));
    expect(again.state.events.get("e1")).to.deep.equal(event("e1", "p1"));
    expect(again.state.inbox.get("m1")).to.deep.equal(inboxMessage("m1", "p1"));
    expect(again.state.changes.size).to.equal(1);
    expect(again.state.lastChangeSeq).to.equal(1);
    expect(again.loadProblems).to.deep.equal([]);
  });

  it("creates the state directory with mode 0700 and its files with mode 0600", async () => {
    const nested = join(directory, "a", "state");
    const store = await openStateStore({ directory: nested, logger: captureLogger().logger });
    stores.push(store);
    await store.commit(putTx(store.state, "projects", project("p1")));
    await store.compact();
    await store.commit(putTx(store.state, "projects", project("p2")));
    await store.compact();
    await store.commit(putTx(store.state, "projects", project("p3")));
    expect((await stat(nested)).mode & 0o777).to.equal(0o700);
    const files = await listDir(nested);
    expect(files).to.include.members(["projects.json", "projects.json.bak", JOURNAL_FILE, PREVIOUS_JOURNAL_FILE]);
    for (const file of files) expect((await stat(join(nested, file))).mode & 0o777, file).to.equal(0o600);
  });

  it("groups commits that arrive while a write is in flight into one journal write", async () => {
    const store = await fresh();
    const count = 40;
    const { count: writes } = await countDatasyncs(() =>
      Promise.all(Array.from({ length: count }, (_, index) => store.commit(putTx(store.state, "projects", project(`p${index}`))))),
    );
    // The first commit starts a write on its own; the other 39 queue behind it and go out together.
    expect(writes).to.be.at.least(1).and.at.most(3);
    const seqs = (await journalEntries(directory)).map((entry) => entry.seq);
    expect(seqs).to.deep.equal(Array.from({ length: count }, (_, index) => index + 1));
    const again = await reopen(store);
    expect(again.state.projects.size).to.equal(count);
  });

  it("rolls back a failed write and every transaction queued behind it, leaving no partial journal line", async () => {
    const problems: StoreProblem[] = [];
    const store = await fresh({ problems });
    await store.commit(putTx(store.state, "projects", project("p1")));
    const sizeBefore = (await stat(join(directory, JOURNAL_FILE))).size;
    const lastChangeSeq = store.state.lastChangeSeq;

    let failures = 0;
    const results = await withFileHandleMethod(
      "datasync",
      (original) =>
        function (this: unknown) {
          // The disk reports an I/O error on the first fsync after the append (the bytes did reach the file).
          if (failures++ === 0) return Promise.reject(Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" }));
          return original.call(this);
        },
      () => {
        const created = store.commit(putTx(store.state, "projects", project("p2")));
        const renamed = new StateTransaction(store.state, T0);
        renamed.put("projects", project("p1", { name: "renamed" }));
        renamed.change("project_changed", "p1", { type: "project", record: project("p1", { name: "renamed" }) });
        const deleted = new StateTransaction(store.state, T0);
        deleted.delete("projects", "p2");
        return Promise.allSettled([created, store.commit(renamed), store.commit(deleted)]);
      },
    );

    expect(results.map((result) => result.status)).to.deep.equal(["rejected", "rejected", "rejected"]);
    for (const result of results) expectUnwritable((result as PromiseRejectedResult).reason);
    expect((results[0] as PromiseRejectedResult).reason.message).to.contain("EIO");
    expect(problems.map((problem) => problem.code)).to.deep.equal(["STATE_UNWRITABLE"]);
    expect([...store.state.projects.values()]).to.deep.equal([project("p1")]);
    expect(store.state.lastChangeSeq).to.equal(lastChangeSeq);
    expect(store.state.changes.size).to.equal(0);
    expect((await stat(join(directory, JOURNAL_FILE))).size).to.equal(sizeBefore);

    await store.commit(putTx(store.state, "projects", project("p3")));
    const again = await reopen(store);
    expect([...again.state.projects.keys()]).to.deep.equal(["p1", "p3"]);
    expect(again.state.projects.get("p1")!.name).to.equal("p1");
    // The numbers of the failed transactions were given again: the journal has no hole to report.
    expect(again.loadProblems).to.deep.equal([]);
  });

  it("writes every collection's snapshot on compact, keeping the previous generation as .bak and the old journal", async () => {
    const store = await fresh();
    await store.commit(putTx(store.state, "projects", project("p1")));
    await store.compact();
    expect(await listDir(directory)).to.include.members(["projects.json", "sessions.json", "work.json", "events.json", "inbox.json", "changes.json"]);
    expect(await listDir(directory)).not.to.include(JOURNAL_FILE);
    const first = await snapshotDocument(directory, "projects");
    expect(first).to.include({ schema_version: 1, journal_seq: 1 });
    expect(first.projects).to.deep.equal([project("p1")]);

    await store.commit(putTx(store.state, "projects", project("p2")));
    await store.compact();
    const second = await snapshotDocument(directory, "projects");
    expect(second.journal_seq).to.equal(2);
    expect(second.projects.map((record: { id: string }) => record.id)).to.deep.equal(["p1", "p2"]);
    expect(JSON.parse(await readFile(`${snapshotPath(directory, "projects")}.bak`, "utf8"))).to.deep.equal(first);
    expect((await journalEntries(directory, PREVIOUS_JOURNAL_FILE)).map((entry) => entry.seq)).to.deep.equal([2]);
  });

  it("rebuilds the state from the .bak generation and journal.prev when the newest snapshot is damaged, and keeps a .bak", async () => {
    const store = await fresh();
    await store.commit(putTx(store.state, "projects", project("p1")));
    await store.compact();
    await store.commit(putTx(store.state, "projects", project("p2")));
    await store.compact();
    await store.commit(putTx(store.state, "projects", project("p3")));
    await store.close();
    await writeRaw(snapshotPath(directory, "projects"), '{"schema_version":1,"projects":[{"id":"p1","pa');

    const again = await fresh();
    expect([...again.state.projects.keys()]).to.deep.equal(["p1", "p2", "p3"]);
    expect(again.loadProblems.map((problem) => problem.code)).to.deep.equal(["STATE_FILE_RECOVERED"]);
    const files = await listDir(directory);
    expect(files.filter((file) => file.startsWith("projects.json.corrupt-"))).to.have.length(1);
    // The damage was repaired at start-up, and a usable previous generation is still on disk.
    expect(files).to.include("projects.json.bak");
    const backup = JSON.parse(await readFile(`${snapshotPath(directory, "projects")}.bak`, "utf8"));
    expect(backup.projects.map((record: { id: string }) => record.id)).to.include("p1");

    // A crash right after that start-up must not lose anything either.
    const third = await reopen(again);
    expect([...third.state.projects.keys()]).to.deep.equal(["p1", "p2", "p3"]);
    expect(third.loadProblems).to.deep.equal([]);
  });

  it("leaves transactions still queued out of a snapshot (they reach the journal after it)", async () => {
    const store = await fresh();
    await store.commit(putTx(store.state, "projects", project("p1")));
    await store.commit(putTx(store.state, "work", workItem("w1", "p1")));
    await new Promise((resolve) => setImmediate(resolve)); // lets the writer go idle

    // The first commit is being written; the next three queue behind it while a snapshot is requested.
    const inFlight = store.commit(putTx(store.state, "projects", project("p2")));
    const queuedCreate = store.commit(putTx(store.state, "projects", project("p3")));
    const queuedUpdate = store.commit(putTx(store.state, "projects", project("p1", { name: "renamed" })));
    const deleteTx = new StateTransaction(store.state, T0);
    deleteTx.delete("work", "w1");
    const queuedDelete = store.commit(deleteTx);
    const compacted = store.compact();
    await Promise.all([inFlight, queuedCreate, queuedUpdate, queuedDelete, compacted]);

    const projects = await snapshotDocument(directory, "projects");
    expect(projects.journal_seq).to.equal(3);
    expect(projects.projects).to.deep.equal([project("p1"), project("p2")]);
    expect((await snapshotDocument(directory, "work")).work).to.deep.equal([workItem("w1", "p1")]);
    expect((await journalEntries(directory)).map((entry) => entry.seq)).to.deep.equal([4, 5, 6]);

    const again = await reopen(store);
    expect([...again.state.projects.values()]).to.deep.equal([project("p1", { name: "renamed" }), project("p2"), project("p3")]);
    expect(again.state.work.size).to.equal(0);
  });

  it("goes on acknowledging writes while the snapshot files are written, and keeps those entries in the journal after it", async () => {
    const store = await fresh();
    await store.commit(putTx(store.state, "projects", project("p1")));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const snapshotWaits = new Promise<void>((resolve) => (reached = resolve));
    await withFileHandleMethod(
      "sync",
      // Snapshot files are fsynced with sync(), journal appends with datasync(): only the snapshot is held up.
      (original) =>
        async function (this: unknown) {
          reached();
          await gate;
          return original.call(this);
        },
      async () => {
        const compacted = store.compact();
        try {
          await snapshotWaits;
          const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("the commit waited for the snapshot")), 2000));
          await Promise.race([store.commit(putTx(store.state, "projects", project("p2"))), timeout]);
          await Promise.race([store.commit(putTx(store.state, "projects", project("p3"))), timeout]);
        } finally {
          release();
          await compacted;
        }
      },
    );
    const snapshot = await snapshotDocument(directory, "projects");
    expect(snapshot.journal_seq).to.equal(1);
    expect(snapshot.projects.map((record: { id: string }) => record.id)).to.deep.equal(["p1"]);
    expect((await journalEntries(directory)).map((entry) => entry.seq)).to.deep.equal([2, 3]);
    await store.commit(putTx(store.state, "projects", project("p4")));

    const again = await reopen(store);
    expect([...again.state.projects.keys()]).to.deep.equal(["p1", "p2", "p3", "p4"]);
    expect(again.loadProblems).to.deep.equal([]);
  });

  it("turns a large state into snapshot JSON slice by slice while commits go on being acknowledged", async () => {
    const store = await fresh();
    // Records that count how often they are serialised (what is written is the plain record).
    let serialised = 0;
    const counted = (record: ReturnType<typeof workItem>) => ({ ...record, toJSON: () => (serialised++, record) });
    const records = Array.from({ length: 3000 }, (_, index) => workItem(`w${index}`, "p1", { content: `task ${index}: ${"x".repeat(200)}` }));
    const tx = new StateTransaction(store.state, T0);
    tx.put("projects", project("p1"));
    for (const record of records) tx.put("work", counted(record));
    await store.commit(tx);
    serialised = 0;

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const snapshotWaits = new Promise<void>((resolve) => (reached = resolve));
    let serialisedWhenAcknowledged = -1;
    await withFileHandleMethod(
      "sync",
      // Holds the first snapshot file's fsync (projects.json, before work.json) until a commit is acknowledged.
      (original) =>
        async function (this: unknown) {
          reached();
          await gate;
          return original.call(this);
        },
      async () => {
        const compacted = store.compact();
        try {
          await snapshotWaits;
          await store.commit(putTx(store.state, "projects", project("p2")));
          serialisedWhenAcknowledged = serialised;
        } finally {
          release();
          await compacted;
        }
      },
    );
    // All at once, the 3,000 records would have been serialised before the commit was even written.
    expect(serialisedWhenAcknowledged).to.equal(0);
    expect(serialised).to.equal(records.length);
    const snapshot = await snapshotDocument(directory, "work");
    expect(snapshot.journal_seq).to.equal(1);
    expect(snapshot.work).to.deep.equal(records);
    const again = await reopen(store);
    expect([...again.state.work.values()]).to.deep.equal(records);
    expect([...again.state.projects.keys()]).to.deep.equal(["p1", "p2"]);
  });

  it("lets the journal grow as big as the snapshot files before it snapshots a large state again", async () => {
    const bigTx = (state: StateStore["state"], from: number) => {
      const tx = new StateTransaction(state, T0);
      for (let index = from; index < from + 200; index++) tx.put("work", workItem(`w${index}`, "p1", { content: `task ${index}: ${"x".repeat(200)}` }));
      return tx;
    };
    const workSeq = async () => (await snapshotDocument(directory, "work")).journal_seq as number;
    const store = await fresh({ compactAfterBytes: 2000 });
    await store.commit(putTx(store.state, "projects", project("p1")));
    await store.commit(bigTx(store.state, 0));
    await store.compact();
    const snapshotSize = (await stat(snapshotPath(directory, "work"))).size;
    expect(snapshotSize).to.be.greaterThan(40_000);
    expect(await workSeq()).to.equal(2);

    // Small commits past compactAfterBytes, but far less than the snapshot: no new snapshot.
    for (let index = 0; index < 20; index++) await store.commit(putTx(store.state, "projects", project(`q${index}`)));
    const again = await reopen(store, { compactAfterBytes: 2000 });
    expect(await workSeq()).to.equal(2);

    // Once the journal holds as much as the snapshot files, it snapshots (also after a restart).
    await again.commit(bigTx(again.state, 200));
    await again.close();
    expect(await workSeq()).to.equal(23);
    const last = await fresh();
    expect(last.state.work.size).to.equal(400);
    expect(last.state.projects.size).to.equal(21);
  });

  it("compacts by itself once the journal grows past compactAfterBytes", async () => {
    const store = await fresh({ compactAfterBytes: 2000 });
    for (let index = 0; index < 10; index++) await store.commit(putTx(store.state, "projects", project(`p${index}`)));
    await store.close();
    expect(await listDir(directory)).to.include("projects.json");
    const snapshot = await snapshotDocument(directory, "projects");
    expect(snapshot.journal_seq).to.be.greaterThan(0);
    const again = await fresh();
    expect(again.state.projects.size).to.equal(10);
  });

  it("refuses every write when the state could not be read at start-up, so unread data is never overwritten", async () => {
    await mkdir(snapshotPath(directory, "projects"));
    const store = await fresh();
    expect(store.loadProblems.map((problem) => problem.code)).to.deep.equal(["STATE_UNREADABLE"]);
    expectUnwritable(await rejectionOf(store.commit(putTx(store.state, "projects", project("p1")))));
    expectUnwritable(await rejectionOf(store.compact()));
    expect(store.state.projects.size).to.equal(0);
    expect(await listDir(directory)).to.deep.equal(["projects.json"]);
  });

  it("keeps the .bak generation when the current snapshot is missing at the next snapshot", async () => {
    const store = await fresh();
    await store.commit(putTx(store.state, "projects", project("p1")));
    await store.compact();
    await store.commit(putTx(store.state, "projects", project("p2")));
    await store.compact();
    const backup = await readFile(`${snapshotPath(directory, "projects")}.bak`, "utf8");
    await rm(snapshotPath(directory, "projects"));

    await store.compact();
    expect(await readFile(`${snapshotPath(directory, "projects")}.bak`, "utf8")).to.equal(backup);
    expect((await snapshotDocument(directory, "projects")).projects.map((record: { id: string }) => record.id)).to.deep.equal(["p1", "p2"]);
  });

  it("writes the snapshots every saveIntervalMs while something changed, and leaves them alone otherwise", async () => {
    const store = await openStateStore({ directory, logger: captureLogger().logger, saveIntervalMs: 40 });
    stores.push(store);
    await store.commit(putTx(store.state, "projects", project("p1")));
    const holds = async (collection: "projects" | "work", id: string) =>
      (await snapshotDocument(directory, collection).catch(() => ({ [collection]: [] })))[collection].some((record: { id: string }) => record.id === id);
    const files = ["projects.json", "sessions.json", "events.json", "work.json", "inbox.json", "changes.json"];
    await waitFor(async () => (await holds("projects", "p1")) && files.every((file) => existsSync(join(directory, file))), {
      timeoutMs: 5000,
      what: "every snapshot written, projects.json holding p1",
    });

    // Nothing changed: several intervals later the files are the very same (a snapshot replaces them).
    const inode = (await stat(snapshotPath(directory, "projects"))).ino;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await stat(snapshotPath(directory, "projects"))).ino).to.equal(inode);

    await store.commit(putTx(store.state, "work", workItem("w1", "p1")));
    await waitFor(() => holds("work", "w1"), { timeoutMs: 5000, what: "work.json holding w1" });
  });

  describe("when snapshots cannot be written (a directory made read-only with chattr +i)", function () {
    let readOnly: ReturnType<typeof makeDirectoryReadOnly> | null = null;

    afterEach(() => {
      if (readOnly && "restore" in readOnly) readOnly.restore();
      readOnly = null;
    });

    async function storeWithOpenJournal(snapshotRetryMs: number) {
      const log = captureLogger();
      const problems: StoreProblem[] = [];
      const store = await openStateStore({ directory, logger: log.logger, snapshotRetryMs, onProblem: (problem) => problems.push(problem) });
      stores.push(store);
      await store.commit(putTx(store.state, "projects", project("p1")));
      return { store, log, problems, failedSnapshots: () => log.lines.filter((line) => /state snapshot failed/.test(line.msg)).length };
    }

    function readOnlyOrSkip(context: Mocha.Context): void {
      readOnly = makeDirectoryReadOnly(directory);
      if ("unavailable" in readOnly) {
        console.log(`      read-only directory store tests not run: ${readOnly.unavailable}`);
        context.skip();
      }
    }

    it("refuses writes from the first failed snapshot on, without trying a snapshot per write, until one succeeds", async function () {
      const { store, log, problems, failedSnapshots } = await storeWithOpenJournal(60_000);
      readOnlyOrSkip(this);
      // The journal was open already: its appends still work, which is how this went unnoticed.
      await store.commit(putTx(store.state, "projects", project("p2")));
      expectUnwritable(await rejectionOf(store.compact()));
      expect(problems.map((problem) => problem.code)).to.deep.equal(["STATE_UNWRITABLE"]);
      expect(log.errors().map((line) => line.msg)).to.deep.equal(["state snapshot failed: writes are refused until a snapshot succeeds"]);

      for (let index = 0; index < 20; index++) {
        const refused = await rejectionOf(store.commit(putTx(store.state, "projects", project(`refused-${index}`))));
        expectUnwritable(refused);
        expect((refused as Error).message).to.match(/operation not permitted|EPERM/i);
      }
      expect([...store.state.projects.keys()]).to.deep.equal(["p1", "p2"]);
      expect(failedSnapshots()).to.equal(1);

      (readOnly as { restore(): void }).restore();
      readOnly = null;
      await store.compact();
      await store.commit(putTx(store.state, "projects", project("p3")));
      const again = await reopen(store);
      expect([...again.state.projects.keys()]).to.deep.equal(["p1", "p2", "p3"]);
      expect(again.loadProblems).to.deep.equal([]);
    });

    it("lets a refused write retry the snapshot in the background, at most once per snapshotRetryMs", async function () {
      const { store, failedSnapshots } = await storeWithOpenJournal(300);
      readOnlyOrSkip(this);
      expectUnwritable(await rejectionOf(store.compact()));
      const started = Date.now();
      let refusals = 0;
      while (Date.now() - started < 250) {
        expectUnwritable(await rejectionOf(store.commit(putTx(store.state, "projects", project("refused")))));
        refusals++;
      }
      expect(refusals).to.be.greaterThan(20);
      expect(failedSnapshots()).to.equal(1);

      (readOnly as { restore(): void }).restore();
      readOnly = null;
      await waitFor(() => store.commit(putTx(store.state, "projects", project("p2"))).then(() => true, () => false), { timeoutMs: 5000, intervalMs: 50, what: "a write accepted again" });
      expect(failedSnapshots()).to.be.at.most(2);
      expect(store.state.projects.has("p2")).to.equal(true);
    });
  });

  describe("on a full disk (a real 256 KiB tmpfs)", function () {
    this.timeout(20_000);
    let disk: Awaited<ReturnType<typeof mountSmallDisk>>;

    before(async function () {
      disk = await mountSmallDisk(256);
      if ("unavailable" in disk) {
        // Said out loud rather than passed: this environment cannot produce a real full disk.
        console.log(`      full-disk store tests not run: ${disk.unavailable}`);
        this.skip();
      }
    });

    after(async () => {
      if (disk && !("unavailable" in disk)) await disk.release();
    });

    it("fails commits with STATE_UNWRITABLE, rolls them back, leaves no partial file and recovers once space is freed", async () => {
      if ("unavailable" in disk) return;
      const stateDir = join(disk.mountPoint, "state");
      const problems: StoreProblem[] = [];
      const store = await openStateStore({ directory: stateDir, logger: captureLogger().logger, onProblem: (p) => problems.push(p) });
      stores.push(store);
      await store.commit(putTx(store.state, "projects", project("p1")));
      await store.compact();
      await store.compact();
      await store.commit(putTx(store.state, "projects", project("p2")));
      const journalSize = (await stat(join(stateDir, JOURNAL_FILE))).size;
      const workSnapshotBefore = await readFile(snapshotPath(stateDir, "work"), "utf8");
      const filesBefore = await listDir(stateDir);

      await disk.fill(1000);
      const big = "x".repeat(20_000);
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, (_, index) => store.commit(putTx(store.state, "work", workItem(`w${index}`, "p1", { content: big })))),
      );
      for (const result of results) {
        expect(result.status).to.equal("rejected");
        expectUnwritable((result as PromiseRejectedResult).reason);
        expect((result as PromiseRejectedResult).reason.message).to.contain("ENOSPC");
      }
      expect(store.state.work.size).to.equal(0);
      expect((await stat(join(stateDir, JOURNAL_FILE))).size).to.equal(journalSize);
      expect(problems[0]?.code).to.equal("STATE_UNWRITABLE");

      // A snapshot too big for the space left cannot be written: the file on disk stays as it was, every
      // snapshot still parses, and no temporary file is left.
      store.state.work.set("w-big", workItem("w-big", "p1", { content: big }));
      expectUnwritable(await rejectionOf(store.compact()));
      store.state.work.delete("w-big");
      expect(await readFile(snapshotPath(stateDir, "work"), "utf8")).to.equal(workSnapshotBefore);
      expect(await listDir(stateDir)).to.deep.equal(filesBefore);
      for (const file of filesBefore.filter((name) => /\.json(\.bak)?$/.test(name))) {
        expect(() => JSON.parse(readFileSync(join(stateDir, file), "utf8")), file).not.to.throw();
      }

      // Until a snapshot succeeds again, writes are refused (the files on disk would fall behind unseen).
      expectUnwritable(await rejectionOf(store.commit(putTx(store.state, "projects", project("p3")))));
      expect(store.state.projects.has("p3")).to.equal(false);

      await disk.free();
      await store.compact();
      await store.commit(putTx(store.state, "projects", project("p3")));
      await store.close();
      const again = await openStateStore({ directory: stateDir, logger: captureLogger().logger });
      stores.push(again);
      expect([...again.state.projects.keys()]).to.deep.equal(["p1", "p2", "p3"]);
      expect(again.state.work.size).to.equal(0);
      expect(again.loadProblems).to.deep.equal([]);
    });
  });
});
