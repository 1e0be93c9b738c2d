import { expect } from "chai";
import { snapshotText } from "../../src/store/snapshot-text.js";

describe("snapshotText", () => {
  const header = { schema_version: 1, saved_at: "2026-01-01T00:00:00.000Z", journal_seq: 7 };
  const records = Array.from({ length: 50 }, (_, index) => ({ id: `w${index}`, content: `task "${index}"\n`, tags: [index], done: null }));

  it("produces exactly JSON.stringify of the whole document and a newline, in slices of about the size asked", () => {
    const slices = [...snapshotText(header, "work", records, 200)];
    expect(slices.join("")).to.equal(`${JSON.stringify({ ...header, work: records })}\n`);
    expect(slices.length).to.be.greaterThan(10);
    for (const slice of slices.slice(0, -1)) expect(slice.length).to.be.within(200, 300);
  });

  it("writes an empty collection and an empty header like JSON.stringify", () => {
    expect([...snapshotText(header, "inbox", [])].join("")).to.equal(`${JSON.stringify({ ...header, inbox: [] })}\n`);
    expect([...snapshotText({}, "work", records.slice(0, 2))].join("")).to.equal(`${JSON.stringify({ work: records.slice(0, 2) })}\n`);
  });

  it("serialises nothing until a slice is asked for, and only that slice", () => {
    let serialised = 0;
    const counted = records.map((record) => ({ toJSON: () => (serialised++, record) }));
    const slices = snapshotText(header, "work", counted, 200);
    expect(serialised).to.equal(0);
    slices.next();
    expect(serialised).to.be.within(1, 5);
  });
});
