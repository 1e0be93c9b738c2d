import { mkdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { CollectionName } from "../../src/domain/commander-state.js";
import { encodeJournalLine } from "../../src/store/journal.js";
import { loadState } from "../../src/store/load-state.js";
import { JOURNAL_FILE, PREVIOUS_JOURNAL_FILE, SNAPSHOT_FILES } from "../../src/store/state-files.js";
import { openStateStore } from "../../src/store/state-store.js";
import {
  captureLogger,
  event,
  inboxMessage,
  journalText,
  listDir,
  project,
  putTx,
  session,
  snapshotPath,
  snapshotText,
  T0,
  tempDir,
  workItem,
  writeRaw,
} from "./store-test-kit.js";

const NOW = new Date("2026-02-03T04:05:06.789Z");
const STAMP = "2026-02-03T04-05-06-789Z";

// The corruption cases the issue lists, as the text that ends up in a snapshot file.
const DAMAGED_SNAPSHOTS: Array<{ name: string; text: string; problem: RegExp }> = [
  { name: "truncated", text: snapshotText("projects", [project("p9")]).slice(0, 60), problem: /invalid JSON/ },
  { name: "garbage", text: "\u0000\u0013\u00ff garbage \u0001 not json at all", problem: /invalid JSON/ },
  { name: "empty", text: "", problem: /the file is empty/ },
  { name: "whitespace only", text: "\n\n  \n", problem: /the file is empty/ },
  { name: "of a wrong schema version", text: snapshotText("projects", [project("p9")], { schema_version: 99 }), problem: /schema_version is 99, expected 1/ },
  { name: "without a schema version", text: JSON.stringify({ projects: [project("p9")] }), problem: /schema_version is undefined/ },
  { name: "a JSON list instead of an object", text: JSON.stringify([project("p9")]), problem: /not a JSON object/ },
  { name: "valid JSON of the wrong shape", text: JSON.stringify({ schema_version: 1, projects: { p9: project("p9") } }), problem: /"projects" is not a list/ },
  { name: "a JSON string", text: '"projects"', problem: /not a JSON object/ },
];

describe("loadState", () => {
  let directory: string;

  beforeEach(async () => {
    directory = await tempDir();
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  /** Every snapshot, as the store writes them: all at once, with the same journal_seq. */
  async function writeAllSnapshots(records: Partial<Record<CollectionName, unknown[]>>, journalSeq: number): Promise<void> {
    for (const collection of Object.keys(SNAPSHOT_FILES) as CollectionName[]) {
      await writeRaw(snapshotPath(directory, collection), snapshotText(collection, records[collection] ?? [], { journal_seq: journalSeq }));
    }
  }

  async function load() {
    const log = captureLogger();
    const loaded = await loadState(directory, log.logger, () => NOW);
    return { ...loaded, log };
  }

  it("treats an empty state directory as an empty state, without problems", async () => {
    const { state, problems, unreadable, journalSeq, log } = await load();
    expect(state.projects.size).to.equal(0);
    expect(problems).to.deep.equal([]);
    expect(unreadable).to.equal(false);
    expect(journalSeq).to.equal(0);
    expect(log.errors()).to.deep.equal([]);
  });

  it("treats each missing file as empty while loading the others", async () => {
    await writeRaw(snapshotPath(directory, "work"), snapshotText("work", [workItem("w1", "p1")]));
    const { state, problems } = await load();
    expect([...state.work.keys()]).to.deep.equal(["w1"]);
    expect(problems).to.deep.equal([]);
  });

  it("loads every collection from its snapshot", async () => {
    const records: Record<CollectionName, unknown[]> = {
      projects: [project("p1")],
      sessions: [session("s1", "p1", { state: "idle" })],
      work: [workItem("w1", "p1"), workItem("w2", "p1", { state: "failed", error: "boom", completedAt: "2026-01-02T00:00:00.000Z" })],
      events: [event("e1", "p1", { context: { nested: { a: 1 } } })],
      inbox: [inboxMessage("m1", "p1")],
      changes: [{ seq: 7, kind: "project_changed", projectId: "p1", time: "2026-01-01T00:00:00.000Z", subject: { type: "project", record: project("p1") } }],
      outbox: [{ id: "n1", target: "phone", happening: "work_failed", projectId: "p1", state: "pending", attempts: 0, lastError: null, payload: { items: [] }, createdAt: "2026-01-01T00:00:00.000Z", holdUntil: "2026-01-01T00:00:00.000Z", nextAttemptAt: "2026-01-01T00:00:00.000Z", deliveredAt: null }],
      notification_targets: [{ id: "phone", settings: { url: "http://127.0.0.1:1/" }, createdAt: "2026-01-01T00:00:00.000Z" }],
    };
    for (const [collection, list] of Object.entries(records)) {
      await writeRaw(snapshotPath(directory, collection as CollectionName), snapshotText(collection as CollectionName, list, { journal_seq: 4, last_change_seq: 7 }));
    }
    const { state, problems, journalSeq } = await load();
    expect(problems).to.deep.equal([]);
    expect(journalSeq).to.equal(4);
    expect(state.lastChangeSeq).to.equal(7);
    for (const [collection, list] of Object.entries(records)) {
      expect([...state.collections[collection as CollectionName].values()], collection).to.deep.equal(list);
    }
  });

  for (const damaged of DAMAGED_SNAPSHOTS) {
    it(`moves a snapshot that is ${damaged.name} aside and restores its .bak generation`, async () => {
      const path = snapshotPath(directory, "projects");
      await writeRaw(`${path}.bak`, snapshotText("projects", [project("p1"), project("p2")]));
      await writeRaw(path, damaged.text);
      await writeRaw(snapshotPath(directory, "work"), snapshotText("work", [workItem("w1", "p1")]));

      const { state, problems, unreadable, log } = await load();
      expect([...state.projects.keys()]).to.deep.equal(["p1", "p2"]);
      expect([...state.work.keys()]).to.deep.equal(["w1"]);
      expect(unreadable).to.equal(false);
      expect(problems).to.have.length(1);
      expect(problems[0].code).to.equal("STATE_FILE_RECOVERED");
      expect(problems[0].message).to.match(damaged.problem);
      expect(problems[0].message).to.contain(`projects.json.corrupt-${STAMP}`).and.contain("restored projects.json.bak");

      // Quarantined byte for byte, never overwritten; the good generation is back in place.
      expect(await readFile(join(directory, `projects.json.corrupt-${STAMP}`), "utf8")).to.equal(damaged.text);
      expect(JSON.parse(await readFile(path, "utf8")).projects).to.deep.equal([project("p1"), project("p2")]);

      // Logged at error level, naming the file, what was wrong and what was recovered.
      const [error] = log.errors();
      expect(error.file).to.equal(path);
      expect(error.problem).to.equal("STATE_FILE_RECOVERED");
      expect(error.msg).to.match(damaged.problem).and.contain("restored projects.json.bak");
    });
  }

  it("starts a damaged collection empty when its .bak is unusable too, and quarantines both", async () => {
    const path = snapshotPath(directory, "sessions");
    await writeRaw(path, "{ not json");
    await writeRaw(`${path}.bak`, "also { not json");
    await writeRaw(snapshotPath(directory, "projects"), snapshotText("projects", [project("p1")]));

    const { state, problems, log } = await load();
    expect(state.sessions.size).to.equal(0);
    expect([...state.projects.keys()]).to.deep.equal(["p1"]);
    expect(problems.map((problem) => problem.code)).to.deep.equal(["STATE_FILE_LOST"]);
    expect(problems[0].message).to.contain("sessions.json").and.contain("no usable sessions.json.bak");
    expect(log.errors()[0].file).to.equal(path);
    const files = await listDir(directory);
    expect(files).to.include(`sessions.json.corrupt-${STAMP}`);
    // The damaged backup is kept aside too, so nothing an operator might still want is deleted.
    expect(files.filter((file) => file.startsWith("sessions.json.bak.corrupt-"))).to.have.length(1);
  });

  it("skips a single bad record, keeps the rest and keeps a copy of the file as it was", async () => {
    const path = snapshotPath(directory, "work");
    const text = snapshotText("work", [workItem("w1", "p1"), { ...workItem("w2", "p1"), state: "exploded" }, workItem("w3", "p1"), "oops"]);
    await writeRaw(path, text);

    const { state, problems, log } = await load();
    expect([...state.work.keys()]).to.deep.equal(["w1", "w3"]);
    expect(problems.map((problem) => problem.code)).to.deep.equal(["STATE_RECORDS_SKIPPED"]);
    expect(problems[0].message).to.contain("skipped 2 damaged record(s)").and.contain('field state is "exploded"');
    expect(log.errors()[0].file).to.equal(path);
    expect(await readFile(join(directory, `work.json.corrupt-${STAMP}`), "utf8")).to.equal(text);
  });

  it("keeps a copy of the .bak it restored when that generation has a bad record", async () => {
    const path = snapshotPath(directory, "inbox");
    await writeRaw(path, "garbage");
    const backup = snapshotText("inbox", [inboxMessage("m1", "p1"), { id: "m2" }]);
    await writeRaw(`${path}.bak`, backup);
    const { state, problems } = await load();
    expect([...state.inbox.keys()]).to.deep.equal(["m1"]);
    expect(problems.map((problem) => problem.code)).to.deep.equal(["STATE_FILE_RECOVERED", "STATE_RECORDS_SKIPPED"]);
    const copies = (await listDir(directory)).filter((file) => file.startsWith("inbox.json") && file.includes("corrupt"));
    expect(copies).to.have.length(2);
    const contents = await Promise.all(copies.map((file) => readFile(join(directory, file), "utf8")));
    expect(contents).to.have.members(["garbage", backup]);
  });

  it("replays the journal on top of the snapshots, skipping entries the snapshot already holds", async () => {
    await writeAllSnapshots({ projects: [project("p1", { name: "at seq 2" })] }, 2);
    await writeRaw(
      join(directory, JOURNAL_FILE),
      journalText([
        { seq: 1, ops: [["projects", "p1", project("p1", { name: "at seq 1" })]] },
        { seq: 2, ops: [["projects", "p1", project("p1", { name: "at seq 2" })]] },
        { seq: 3, ops: [["projects", "p2", project("p2")], ["work", "w1", workItem("w1", "p2")]] },
        { seq: 4, ops: [["projects", "p1", null]] },
      ]),
    );
    const { state, problems, journalSeq } = await load();
    expect(problems).to.deep.equal([]);
    expect(journalSeq).to.equal(4);
    expect([...state.projects.keys()]).to.deep.equal(["p2"]);
    expect([...state.work.keys()]).to.deep.equal(["w1"]);
  });

  it("skips a damaged journal line in the middle, applies the lines around it and reports it", async () => {
    const good1 = encodeJournalLine(JSON.stringify({ seq: 1, ops: [["projects", "p1", project("p1")]] }));
    const damaged = encodeJournalLine(JSON.stringify({ seq: 2, ops: [["projects", "p2", project("p2")]] })).replace('"p2"', '"pX"');
    const good3 = encodeJournalLine(JSON.stringify({ seq: 3, ops: [["projects", "p3", project("p3")]] }));
    const text = good1 + damaged + "not a journal line at all\n" + good3;
    await writeRaw(join(directory, JOURNAL_FILE), text);

    const { state, problems, journalSeq, log } = await load();
    expect([...state.projects.keys()]).to.deep.equal(["p1", "p3"]);
    expect(journalSeq).to.equal(3);
    expect(problems.map((problem) => problem.code)).to.deep.equal(["JOURNAL_ENTRY_SKIPPED"]);
    expect(problems[0].message).to.contain("lines 2, 3");
    expect(log.errors()[0].file).to.equal(join(directory, JOURNAL_FILE));
    // The journal is left as it was (the damage is not a torn tail), and a copy is kept aside.
    expect(await readFile(join(directory, JOURNAL_FILE), "utf8")).to.equal(text);
    expect(await readFile(join(directory, `${JOURNAL_FILE}.corrupt-${STAMP}`), "utf8")).to.equal(text);
  });

  it("cuts off a torn last journal line (a write the crash interrupted) without reporting damage", async () => {
    const good = journalText([
      { seq: 1, ops: [["projects", "p1", project("p1")]] },
      { seq: 2, ops: [["projects", "p2", project("p2")]] },
    ]);
    const torn = encodeJournalLine(JSON.stringify({ seq: 3, ops: [["projects", "p3", project("p3")]] })).slice(0, 50);
    await writeRaw(join(directory, JOURNAL_FILE), good + torn);

    const { state, problems, journalSeq, log } = await load();
    expect([...state.projects.keys()]).to.deep.equal(["p1", "p2"]);
    expect(journalSeq).to.equal(2);
    expect(problems).to.deep.equal([]);
    expect(log.errors()).to.deep.equal([]);
    expect(log.lines.some((line) => line.level === 40 && /incomplete last journal entry/.test(line.msg))).to.equal(true);
    expect(await readFile(join(directory, JOURNAL_FILE), "utf8")).to.equal(good);
  });

  it("cuts off a last line whose newline never reached the disk, so the next append starts a fresh line", async () => {
    const good = journalText([{ seq: 1, ops: [["projects", "p1", project("p1")]] }]);
    const unterminated = journalText([{ seq: 2, ops: [["projects", "p2", project("p2")]] }]).slice(0, -1);
    await writeRaw(join(directory, JOURNAL_FILE), good + unterminated);

    const store = await openStateStore({ directory, logger: captureLogger().logger });
    // Whether or not the unacknowledged entry is kept, it must be whole, and the journal must stay parseable.
    await store.commit(putTx(store.state, "projects", project("p3")));
    await store.close();
    const again = await load();
    expect(again.problems).to.deep.equal([]);
    expect([...again.state.projects.keys()]).to.include.members(["p1", "p3"]);
    const text = await readFile(join(directory, JOURNAL_FILE), "utf8");
    expect(text.endsWith("\n")).to.equal(true);
    for (const line of text.split("\n").slice(0, -1)) expect(line).to.match(/^[0-9a-f]{8} \{/);
  });

  it("cuts off zero bytes left at the end of the journal by a lost write", async () => {
    const good = journalText([{ seq: 1, ops: [["projects", "p1", project("p1")]] }]);
    await writeRaw(join(directory, JOURNAL_FILE), good + "\u0000".repeat(300));
    const { state, problems } = await load();
    expect([...state.projects.keys()]).to.deep.equal(["p1"]);
    expect(problems).to.deep.equal([]);
    expect(await readFile(join(directory, JOURNAL_FILE), "utf8")).to.equal(good);
  });

  it("replays journal.prev on top of a restored .bak, so a damaged newest snapshot loses nothing", async () => {
    const path = snapshotPath(directory, "projects");
    await writeAllSnapshots({}, 2);
    await writeRaw(`${path}.bak`, snapshotText("projects", [project("p1")], { journal_seq: 1 }));
    await writeRaw(path, "{}");
    await writeRaw(join(directory, PREVIOUS_JOURNAL_FILE), journalText([
      { seq: 1, ops: [["projects", "p1", project("p1")]] },
      { seq: 2, ops: [["projects", "p2", project("p2")]] },
    ]));
    await writeRaw(join(directory, JOURNAL_FILE), journalText([{ seq: 3, ops: [["projects", "p3", project("p3")]] }]));
    const { state, problems } = await load();
    expect([...state.projects.keys()]).to.deep.equal(["p1", "p2", "p3"]);
    expect(problems.map((problem) => problem.code)).to.deep.equal(["STATE_FILE_RECOVERED"]);
  });

  it("never reuses a quarantine name: a second damage in the same millisecond gets its own file", async () => {
    const path = snapshotPath(directory, "events");
    await writeRaw(join(directory, `events.json.corrupt-${STAMP}`), "earlier damage");
    await writeRaw(path, "new damage");
    await load();
    expect(await readFile(join(directory, `events.json.corrupt-${STAMP}`), "utf8")).to.equal("earlier damage");
    const copies = (await listDir(directory)).filter((file) => file.startsWith("events.json.corrupt-"));
    expect(copies).to.have.length(2);
  });

  it("reports a state file it cannot read as unreadable (the store then refuses to write)", async () => {
    await mkdir(snapshotPath(directory, "events"));
    const { unreadable, problems, log } = await load();
    expect(unreadable).to.equal(true);
    expect(problems.map((problem) => problem.code)).to.deep.equal(["STATE_UNREADABLE"]);
    expect(log.errors()[0].file).to.equal(snapshotPath(directory, "events"));
    expect((await stat(snapshotPath(directory, "events"))).isDirectory()).to.equal(true);
  });

  describe("a missing snapshot that the other files say was written", () => {
    // Two generations, as the store leaves them: work.json.bak at seq 1, every snapshot at seq 2,
    // journal.prev holding seq 2 and journal.jsonl seq 3 (written after the last snapshot).
    async function twoGenerations(): Promise<void> {
      await writeAllSnapshots({ projects: [project("p1")], work: [workItem("w1", "p1"), workItem("w2", "p1")] }, 2);
      await writeRaw(`${snapshotPath(directory, "work")}.bak`, snapshotText("work", [workItem("w1", "p1")], { journal_seq: 1 }));
      await writeRaw(`${snapshotPath(directory, "projects")}.bak`, snapshotText("projects", [project("p1")], { journal_seq: 1 }));
      await writeRaw(join(directory, PREVIOUS_JOURNAL_FILE), journalText([{ seq: 2, ops: [["work", "w2", workItem("w2", "p1")]] }]));
      await writeRaw(join(directory, JOURNAL_FILE), journalText([{ seq: 3, ops: [["work", "w3", workItem("w3", "p1")]] }]));
    }

    it("is restored from its .bak and the journals, reported at error level and put back in place", async () => {
      await twoGenerations();
      await rm(snapshotPath(directory, "work"));

      const { state, problems, log } = await load();
      expect([...state.work.keys()].sort()).to.deep.equal(["w1", "w2", "w3"]);
      expect(problems.map((problem) => problem.code)).to.deep.equal(["STATE_FILE_MISSING"]);
      expect(problems[0].message).to.contain("work.json is missing although work.json.bak exists").and.contain("restored work.json.bak (journal_seq 1)");
      const [error] = log.errors();
      expect(error.file).to.equal(snapshotPath(directory, "work"));
      expect(error.problem).to.equal("STATE_FILE_MISSING");
      // The .bak generation is back in place (so the next snapshot keeps it as .bak), and still there.
      expect(JSON.parse(await readFile(snapshotPath(directory, "work"), "utf8")).work).to.deep.equal([workItem("w1", "p1")]);
      expect(await listDir(directory)).to.include("work.json.bak");
    });

    it("is rebuilt from the journals when only they and the other snapshots are left, naming what is lost", async () => {
      await twoGenerations();
      await rm(snapshotPath(directory, "work"));
      await rm(`${snapshotPath(directory, "work")}.bak`);

      const { state, problems } = await load();
      // seq 1 (which created w1) is in no journal any more: it is reported, not taken for an empty file.
      expect([...state.work.keys()].sort()).to.deep.equal(["w2", "w3"]);
      expect(problems.map((problem) => problem.code)).to.deep.equal(["STATE_FILE_MISSING", "JOURNAL_ENTRIES_MISSING"]);
      expect(problems[0].message).to.contain("work.json is missing although journal.prev.jsonl exists").and.contain("no work.json.bak exists");
      expect(problems[1].message).to.contain("seq 1)").and.contain("work.json (missing) is lost").and.not.contain("projects.json");
    });

    it("loses nothing when journal.prev still holds everything since the first entry", async () => {
      await writeAllSnapshots({ work: [workItem("w1", "p1")], projects: [project("p1")] }, 1);
      await writeRaw(join(directory, PREVIOUS_JOURNAL_FILE), journalText([{ seq: 1, ops: [["projects", "p1", project("p1")], ["work", "w1", workItem("w1", "p1")]] }]));
      await rm(snapshotPath(directory, "work"));
      const { state, problems } = await load();
      expect([...state.work.keys()]).to.deep.equal(["w1"]);
      expect(problems.map((problem) => problem.code)).to.deep.equal(["STATE_FILE_MISSING"]);
      expect(problems[0].message).to.contain("rebuilt it from the journals alone");
    });

    it("puts back the projects of records whose project record was lost: from the change feed, else as paused placeholders", async () => {
      const feedProject = project("p1", { name: "as the feed last saw it" });
      await writeAllSnapshots(
        {
          work: [workItem("w1", "p1"), workItem("w2", "p2")],
          sessions: [session("s2", "p2", { runtime: "claude-code" })],
          changes: [{ seq: 5, kind: "project_changed", projectId: "p1", time: T0, subject: { type: "project", record: feedProject } }],
        },
        3,
      );
      await rm(snapshotPath(directory, "projects"));

      const { state, problems } = await load();
      // Nothing but the other snapshots says projects.json existed: the journals' missing entries do.
      expect(problems.map((problem) => problem.code)).to.deep.equal(["JOURNAL_ENTRIES_MISSING", "STATE_PROJECTS_RESTORED"]);
      expect(problems[0].message).to.contain("projects.json (missing)");
      expect(problems[1].message).to.contain("restored p1 as the change feed last showed them").and.contain("restored p2 as paused placeholders");
      expect(state.projects.get("p1")).to.deep.equal(feedProject);
      expect(state.projects.get("p2")).to.include({ id: "p2", state: "paused", runtime: "claude-code" });
      expect(state.projects.get("p2")!.stateReason).to.contain("folder is unknown");
      expect([...state.workOf("p2")].map((item) => item.id)).to.deep.equal(["w2"]);
    });

    it("is an empty collection when nothing says it was ever written", async () => {
      await writeRaw(snapshotPath(directory, "projects"), snapshotText("projects", [project("p1")]));
      const { problems } = await load();
      expect(problems).to.deep.equal([]);
    });

    it("is no damage when a crash cut the very first snapshot short (the journal still holds everything)", async () => {
      await writeRaw(snapshotPath(directory, "projects"), snapshotText("projects", [project("p1")], { journal_seq: 2 }));
      await writeRaw(join(directory, JOURNAL_FILE), journalText([
        { seq: 1, ops: [["projects", "p1", project("p1")]] },
        { seq: 2, ops: [["work", "w1", workItem("w1", "p1")]] },
      ]));
      const { state, problems } = await load();
      expect(problems).to.deep.equal([]);
      expect([...state.work.keys()]).to.deep.equal(["w1"]);
    });
  });

  describe("damage inside the journal (only a single unterminated last line is a torn write)", () => {
    const entry = (seq: number) => ({ seq, ops: [["work", `w${seq}`, workItem(`w${seq}`, "p1")]] as Array<[CollectionName, string, unknown]> });

    it("reports a garbled last line that ends in a newline as damage, keeps a copy and leaves the journal as it was", async () => {
      await writeRaw(snapshotPath(directory, "projects"), snapshotText("projects", [project("p1")]));
      const text = journalText([entry(1), entry(2)]) + encodeJournalLine(JSON.stringify(entry(3))).replace('"w3"', '"wX"');
      await writeRaw(join(directory, JOURNAL_FILE), text);

      const { state, problems, log } = await load();
      expect([...state.work.keys()]).to.deep.equal(["w1", "w2"]);
      expect(problems.map((problem) => problem.code)).to.deep.equal(["JOURNAL_ENTRY_SKIPPED"]);
      expect(problems[0].message).to.contain("line 3");
      expect(log.errors()[0].file).to.equal(join(directory, JOURNAL_FILE));
      expect(await readFile(join(directory, JOURNAL_FILE), "utf8")).to.equal(text);
      expect(await readFile(join(directory, `${JOURNAL_FILE}.corrupt-${STAMP}`), "utf8")).to.equal(text);
    });

    it("reports a journal cut in the middle (150 of 900 entries gone), applies the rest and keeps a copy", async () => {
      await writeRaw(snapshotPath(directory, "projects"), snapshotText("projects", [project("p1")]));
      const entries = Array.from({ length: 900 }, (_, index) => entry(index + 1));
      const text = journalText([...entries.slice(0, 400), ...entries.slice(550)]);
      await writeRaw(join(directory, JOURNAL_FILE), text);

      const { state, problems, journalSeq, log } = await load();
      expect(state.work.size).to.equal(750);
      expect(journalSeq).to.equal(900);
      expect(problems.map((problem) => problem.code)).to.deep.equal(["JOURNAL_ENTRIES_MISSING"]);
      expect(problems[0].message).to.contain("lack 150 entries (seq 401-550)").and.contain("work.json");
      expect(log.errors()[0].problem).to.equal("JOURNAL_ENTRIES_MISSING");
      expect(await readFile(join(directory, `${JOURNAL_FILE}.corrupt-${STAMP}`), "utf8")).to.equal(text);
    });

    it("reports journals that stop short of the snapshots' journal_seq (a zero-length journal behind them)", async () => {
      // work.json is older than the other snapshots: the entries between them must be in the journal.
      await writeAllSnapshots({ projects: [project("p1")] }, 10);
      await writeRaw(snapshotPath(directory, "work"), snapshotText("work", [workItem("w1", "p1")], { journal_seq: 4 }));
      await writeRaw(join(directory, JOURNAL_FILE), "");

      const { state, problems } = await load();
      expect([...state.work.keys()]).to.deep.equal(["w1"]);
      expect(problems.map((problem) => problem.code)).to.deep.equal(["JOURNAL_ENTRIES_MISSING"]);
      expect(problems[0].message).to.contain("lack 6 entries (seq 5-10)").and.contain("work.json is lost");
      expect(await listDir(directory)).to.include(`${JOURNAL_FILE}.corrupt-${STAMP}`);
    });

    it("counts a damaged line once: a hole exactly as long as the damaged lines in it is not reported again", async () => {
      await writeRaw(snapshotPath(directory, "projects"), snapshotText("projects", [project("p1")]));
      const text = journalText([entry(1)]) + "garbage\n" + journalText([entry(3)]);
      await writeRaw(join(directory, JOURNAL_FILE), text);
      const { problems } = await load();
      expect(problems.map((problem) => problem.code)).to.deep.equal(["JOURNAL_ENTRY_SKIPPED"]);
    });

    it("takes entries the snapshots already hold for no hole, wherever the journals start", async () => {
      await writeAllSnapshots({ work: [workItem("w1", "p1")] }, 5);
      await writeRaw(join(directory, PREVIOUS_JOURNAL_FILE), journalText([entry(4), entry(5)]));
      await writeRaw(join(directory, JOURNAL_FILE), journalText([entry(6), entry(7)]));
      const { state, problems } = await load();
      expect(problems).to.deep.equal([]);
      expect([...state.work.keys()].sort()).to.deep.equal(["w1", "w6", "w7"]);
    });
  });

  it("names every snapshot file after its collection", () => {
    expect(Object.values(SNAPSHOT_FILES)).to.include.members(["projects.json", "sessions.json", "events.json", "work.json", "inbox.json"]);
  });
});
