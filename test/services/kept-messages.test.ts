import { expect } from "chai";
import { keptByRecord, keptByRecordAndVersion } from "../../src/services/convert/kept-messages.js";

describe("kept messages", () => {
  it("converts a record once and hands out the same frozen message until the record is replaced", () => {
    let conversions = 0;
    const convert = keptByRecord((record: { id: string; state: string }) => ({ id: record.id, state: record.state, n: ++conversions }));
    const first = { id: "w1", state: "queued" };
    const message = convert(first);
    expect(convert(first)).to.equal(message);
    expect(Object.isFrozen(message)).to.equal(true);
    const replaced = { ...first, state: "completed" };
    expect(convert(replaced)).to.include({ state: "completed", n: 2 });
  });

  it("makes the message again when what else it shows has another version", () => {
    let conversions = 0;
    const state = { revision: 1, queued: 0 };
    const convert = keptByRecordAndVersion(
      (record: { id: string }, current: typeof state) => ({ id: record.id, queued: current.queued, n: ++conversions }),
      (current: typeof state) => String(current.revision),
    );
    const record = { id: "p1" };
    const message = convert(record, state);
    expect(convert(record, state)).to.equal(message);
    state.queued = 3;
    state.revision = 2;
    expect(convert(record, state)).to.include({ queued: 3, n: 2 });
  });
});

describe("kept responses", () => {
  it("answers a request again with the same frozen response until the state's version changes", async () => {
    const { keptResponses } = await import("../../src/services/convert/kept-messages.js");
    let made = 0;
    const kept = keptResponses<{ n: number }>();
    const first = kept("page-1", "v1", () => ({ n: ++made }));
    expect(kept("page-1", "v1", () => ({ n: ++made }))).to.equal(first);
    expect(Object.isFrozen(first)).to.equal(true);
    expect(kept("page-2", "v1", () => ({ n: ++made }))).to.deep.equal({ n: 2 });
    expect(kept("page-1", "v2", () => ({ n: ++made }))).to.deep.equal({ n: 3 });
  });
});
