import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { decodeJournalLine, encodeJournalLine, JournalWriter } from "../../src/store/journal.js";
import { mountSmallDisk, tempDir } from "./store-test-kit.js";

describe("journal lines", () => {
  it("round-trips the JSON of a line", () => {
    const line = encodeJournalLine('{"seq":1,"ops":[]}');
    expect(line).to.match(/^[0-9a-f]{8} \{"seq":1,"ops":\[\]\}\n$/);
    expect(decodeJournalLine(line.slice(0, -1))).to.equal('{"seq":1,"ops":[]}');
  });

  it("rejects a line whose checksum does not match, or that is cut short", () => {
    const line = encodeJournalLine('{"seq":1,"ops":[]}').slice(0, -1);
    expect(decodeJournalLine(line.replace("1", "2"))).to.equal(null);
    expect(decodeJournalLine(line.slice(0, -3))).to.equal(null);
    expect(decodeJournalLine("")).to.equal(null);
    expect(decodeJournalLine("\u0000".repeat(40))).to.equal(null);
  });
});

describe("JournalWriter", () => {
  let directory: string;

  beforeEach(async () => {
    directory = await tempDir();
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("appends to what is already there, with mode 0600", async () => {
    const path = join(directory, "journal.jsonl");
    const first = await JournalWriter.open(path);
    await first.appendDurably(["a\n", "b\n"]);
    await first.close();
    const second = await JournalWriter.open(path);
    expect(second.size).to.equal(4);
    await second.appendDurably(["c\n"]);
    await second.close();
    expect(await readFile(path, "utf8")).to.equal("a\nb\nc\n");
    expect((await stat(path)).mode & 0o777).to.equal(0o600);
  });

  it("starts a new line when the file ends in a partial line it could not cut off, so no entry is glued to it", async () => {
    const path = join(directory, "journal.jsonl");
    const entry = encodeJournalLine('{"seq":1,"ops":[]}');
    await writeFile(path, entry + "0badc0de {\"seq\":2,");
    const writer = await JournalWriter.open(path);
    const next = encodeJournalLine('{"seq":3,"ops":[]}');
    await writer.appendDurably([next]);
    await writer.close();
    const lines = (await readFile(path, "utf8")).split("\n");
    expect(lines).to.deep.equal([entry.slice(0, -1), '0badc0de {"seq":2,', next.slice(0, -1), ""]);
    expect(decodeJournalLine(lines[2])).to.equal('{"seq":3,"ops":[]}');
  });

  describe("on a full disk (a real tmpfs)", function () {
    this.timeout(20_000);

    it("throws ENOSPC for an append that only partly fits and cuts the file back to its last whole line", async function () {
      const disk = await mountSmallDisk(64);
      if ("unavailable" in disk) {
        console.log(`      full-disk journal test not run: ${disk.unavailable}`);
        this.skip();
      }
      try {
        const path = join(disk.mountPoint, "journal.jsonl");
        const writer = await JournalWriter.open(path);
        await writer.appendDurably(["first\n"]);
        await disk.fill(5000);
        // More than what is left: the kernel accepts part of it and then reports no space.
        let failure: unknown;
        try {
          await writer.appendDurably(["y".repeat(30_000) + "\n"]);
        } catch (error) {
          failure = error;
        }
        expect((failure as NodeJS.ErrnoException | undefined)?.code).to.equal("ENOSPC");
        expect(await readFile(path, "utf8")).to.equal("first\n");
        expect(writer.size).to.equal(6);
        await disk.free();
        await writer.appendDurably(["second\n"]);
        await writer.close();
        expect(await readFile(path, "utf8")).to.equal("first\nsecond\n");
      } finally {
        await disk.release();
      }
    });
  });
});
