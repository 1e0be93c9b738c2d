import { expect } from "chai";
import { createPalette, shouldUseColor } from "../../src/cli/create-palette.js";

describe("colour", () => {
  const terminal = { isTTY: true };
  const pipe = { isTTY: false };

  it("is used only when writing to a terminal", () => {
    expect(shouldUseColor(terminal, {})).to.equal(true);
    expect(shouldUseColor(pipe, {})).to.equal(false);
  });

  it("respects NO_COLOR, --no-color and a dumb terminal", () => {
    expect(shouldUseColor(terminal, { NO_COLOR: "1" })).to.equal(false);
    expect(shouldUseColor(terminal, {}, false)).to.equal(false);
    expect(shouldUseColor(terminal, { TERM: "dumb" })).to.equal(false);
  });

  it("ignores an empty NO_COLOR, as no-color.org asks", () => {
    expect(shouldUseColor(terminal, { NO_COLOR: "" })).to.equal(true);
  });

  it("can be forced with FORCE_COLOR", () => {
    expect(shouldUseColor(pipe, { FORCE_COLOR: "1" })).to.equal(true);
    expect(shouldUseColor(pipe, { FORCE_COLOR: "0" })).to.equal(false);
  });

  it("wraps text in ANSI codes only when enabled", () => {
    expect(createPalette(true).red("failed")).to.equal("\u001b[31mfailed\u001b[39m");
    expect(createPalette(false).red("failed")).to.equal("failed");
  });
});
