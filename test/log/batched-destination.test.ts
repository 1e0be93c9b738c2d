import { expect } from "chai";
import { batchedDestination } from "../../src/log/batched-destination.js";

describe("batchedDestination", () => {
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  it("passes the lines of one event-loop turn on in one write, at the end of the turn", async () => {
    const writes: string[] = [];
    const destination = batchedDestination({ write: (text: string) => writes.push(text) });
    destination.write("a\n");
    destination.write("b\n");
    destination.write("c\n");
    expect(writes).to.deep.equal([]);
    await nextTurn();
    expect(writes).to.deep.equal(["a\nb\nc\n"]);
    destination.write("d\n");
    await nextTurn();
    expect(writes).to.deep.equal(["a\nb\nc\n", "d\n"]);
  });

  it("writes what is waiting at once when asked, and nothing twice", async () => {
    const writes: string[] = [];
    const destination = batchedDestination({ write: (text: string) => writes.push(text) });
    destination.write("last words\n");
    destination.flushSync();
    expect(writes).to.deep.equal(["last words\n"]);
    await nextTurn();
    expect(writes).to.deep.equal(["last words\n"]);
  });
});
