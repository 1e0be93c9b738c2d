import { expect } from "chai";
import { HealthBook } from "../../src/app/health-book.js";

describe("HealthBook", () => {
  it("is ok until a problem is reported, and ok again once the problems are acknowledged", () => {
    const book = new HealthBook(() => new Date("2026-01-01T00:00:00.000Z"));
    expect(book.status).to.equal("ok");
    book.report({ code: "STATE_FILE_MISSING", message: "work.json is missing" });
    expect(book.status).to.equal("degraded");
    expect(book.acknowledge().map((problem) => problem.code)).to.deep.equal(["STATE_FILE_MISSING"]);
    expect(book.status).to.equal("ok");
    expect(book.list()).to.deep.equal([]);
  });

  it("keeps one entry per cause while it is unacknowledged, even with other problems reported in between", () => {
    const book = new HealthBook(() => new Date("2026-01-01T00:00:00.000Z"));
    const snapshot = { code: "STATE_UNWRITABLE", message: "state could not be written to /s: EPERM, link '/s/work.json' -> '/s/work.json.bak.tmp'" };
    const journal = { code: "STATE_UNWRITABLE", message: "state could not be written to /s: ENOSPC" };
    for (let round = 0; round < 50; round++) {
      book.report(snapshot);
      book.report(journal);
    }
    expect(book.list().map((problem) => problem.message)).to.deep.equal([snapshot.message, journal.message]);
  });
});
