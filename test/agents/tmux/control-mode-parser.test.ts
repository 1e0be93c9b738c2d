import { expect } from "chai";
import { createControlModeParser, decodeControlValue } from "../../../src/agents/tmux/control-mode-parser.js";

function collect() {
  const events: Array<[string, ...unknown[]]> = [];
  const parser = createControlModeParser({
    output: (paneId, data) => events.push(["output", paneId, data.toString("utf8")]),
    notification: (name, args) => events.push(["notification", name, args]),
    reply: (reply) => events.push(["reply", reply]),
  });
  return { events, parser };
}

describe("control-mode parser", () => {
  it("decodes octal escapes and leaves other bytes alone", () => {
    expect(decodeControlValue(Buffer.from("a\\015\\012b\\134c ✓")).toString("utf8")).to.equal("a\r\nb\\c ✓");
  });

  it("emits output, notifications and replies, across chunk boundaries", () => {
    const { events, parser } = collect();
    const stream = Buffer.from(
      "%begin 1 10 0\n%end 1 10 0\n%output %3 h\\303\\251llo\\015\\012\n%window-close @2\n%begin 2 11 1\n%0 0\nline\n%end 2 11 1\n%exit\n",
    );
    for (let i = 0; i < stream.length; i += 7) parser.push(stream.subarray(i, i + 7));
    expect(events).to.deep.equal([
      ["reply", { commandNumber: 10, fromThisClient: false, ok: true, lines: [] }],
      ["output", "%3", "héllo\r\n"],
      ["notification", "window-close", "@2"],
      // A reply line that starts with "%" is reply text, not a notification.
      ["reply", { commandNumber: 11, fromThisClient: true, ok: true, lines: ["%0 0", "line"] }],
      ["notification", "exit", ""],
    ]);
  });

  it("reports failed commands", () => {
    const { events, parser } = collect();
    parser.push(Buffer.from("%begin 1 12 1\nunknown command: nope\n%error 1 12 1\n"));
    expect(events).to.deep.equal([["reply", { commandNumber: 12, fromThisClient: true, ok: false, lines: ["unknown command: nope"] }]]);
  });
});
