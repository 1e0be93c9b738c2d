import { rm } from "node:fs/promises";
import { expect } from "chai";
import { CommanderCore } from "../../src/app/commander-core.js";
import { HealthBook } from "../../src/app/health-book.js";
import { openStateStore, type StateStore } from "../../src/store/state-store.js";
import { captureLogger, tempDir } from "../store/store-test-kit.js";

describe("CommanderCore", () => {
  let directory: string;
  let store: StateStore;

  beforeEach(async () => {
    directory = await tempDir("commander-core-");
    store = await openStateStore({ directory, logger: captureLogger().logger });
  });

  afterEach(async () => {
    await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  it("gives new records ids of their prefix and 12 random hex digits, never the same twice", async () => {
    const core = new CommanderCore({
      store,
      logger: captureLogger().logger,
      health: new HealthBook(() => new Date()),
      limits: { maxProjects: 10, maxUnfinishedWorkPerProject: 10, maxContentBytes: 1000 },
    });
    // More ids than one draw of random bytes holds, over several rules.
    const ids: string[] = [];
    for (let round = 0; round < 3; round++) {
      ids.push(...(await core.mutate((ctx) => Array.from({ length: 1000 }, (_, index) => ctx.newId(index % 2 === 0 ? "work" : "event")))));
    }
    for (const id of ids) expect(id).to.match(/^(work|event)-[0-9a-f]{12}$/);
    expect(new Set(ids.map((id) => id.split("-")[1])).size).to.equal(ids.length);
  });
});
