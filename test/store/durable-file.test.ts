import { link, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { writeFileDurably } from "../../src/store/durable-file.js";
import { countDatasyncs, listDir, mountSmallDisk, tempDir } from "./store-test-kit.js";

describe("writeFileDurably", () => {
  let directory: string;

  beforeEach(async () => {
    directory = await tempDir();
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("replaces the file's content, with mode 0600, leaving no temporary file", async () => {
    const path = join(directory, "projects.json");
    await writeFile(path, "old", { mode: 0o644 });
    await writeFileDurably(path, "new content");
    expect(await readFile(path, "utf8")).to.equal("new content");
    expect((await stat(path)).mode & 0o777).to.equal(0o600);
    expect(await listDir(directory)).to.deep.equal(["projects.json"]);
  });

  it("writes content given in pieces one after the other", async () => {
    const path = join(directory, "work.json");
    await writeFileDurably(path, ["[", "1,", "2", "]\n"]);
    expect(await readFile(path, "utf8")).to.equal("[1,2]\n");
    expect(await listDir(directory)).to.deep.equal(["work.json"]);
  });

  it("flushes a large file written in pieces every few MiB, not only at the end", async () => {
    const path = join(directory, "work.json");
    const piece = "x".repeat(256 * 1024);
    const { count } = await countDatasyncs(() => writeFileDurably(path, Array.from({ length: 48 }, () => piece)));
    expect(count).to.be.within(2, 4);
    expect((await stat(path)).size).to.equal(48 * piece.length);
  });

  it("keeps a hard link to the old content intact (how the .bak generation survives)", async () => {
    const path = join(directory, "projects.json");
    await writeFileDurably(path, "generation 1");
    await link(path, `${path}.bak`);
    await writeFileDurably(path, "generation 2");
    expect(await readFile(`${path}.bak`, "utf8")).to.equal("generation 1");
    expect(await readFile(path, "utf8")).to.equal("generation 2");
  });

  it("fails without touching the old file when the directory does not exist", async () => {
    let failure: unknown;
    try {
      await writeFileDurably(join(directory, "missing", "projects.json"), "x");
    } catch (error) {
      failure = error;
    }
    expect((failure as NodeJS.ErrnoException).code).to.equal("ENOENT");
  });

  describe("on a full disk (a real tmpfs)", function () {
    this.timeout(20_000);

    it("throws ENOSPC, keeps the old content whole and leaves no partial temporary file", async function () {
      const disk = await mountSmallDisk(64);
      if ("unavailable" in disk) {
        console.log(`      full-disk write test not run: ${disk.unavailable}`);
        this.skip();
      }
      try {
        const path = join(disk.mountPoint, "work.json");
        await writeFileDurably(path, "the good generation");
        await disk.fill(3000);
        let failure: unknown;
        try {
          // Bigger than what is left: a single write() would accept part of it without an error.
          await writeFileDurably(path, "z".repeat(40_000));
        } catch (error) {
          failure = error;
        }
        expect((failure as NodeJS.ErrnoException | undefined)?.code).to.equal("ENOSPC");
        expect(await readFile(path, "utf8")).to.equal("the good generation");
        expect(await listDir(disk.mountPoint)).to.deep.equal(["ballast", "work.json"]);

        failure = undefined;
        try {
          await writeFileDurably(path, Array.from({ length: 10 }, () => "y".repeat(4000)));
        } catch (error) {
          failure = error;
        }
        expect((failure as NodeJS.ErrnoException | undefined)?.code).to.equal("ENOSPC");
        expect(await readFile(path, "utf8")).to.equal("the good generation");
        expect(await listDir(disk.mountPoint)).to.deep.equal(["ballast", "work.json"]);
      } finally {
        await disk.release();
      }
    });
  });
});
