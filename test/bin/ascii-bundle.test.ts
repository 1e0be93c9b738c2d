import { runInNewContext } from "node:vm";
import { expect } from "chai";
import { asciiBundle } from "../../scripts/build-node.js";

/** Evaluates a script's last expression. */
const evaluate = (code: string): unknown => runInNewContext(code);

describe("asciiBundle (the build's escaping of the bundle)", () => {
  it("escapes characters in regular expressions to the same characters, in every mode", () => {
    const code = String.raw`[/^\s*[❯›]\s?/.test("  › x"), /^●$/u.test("●"), /\❯/.test("❯"), /\\❯/.test("\\❯"), /^[😀]$/u.test("😀"), /^[😀]$/.test("😀")]`;
    const escaped = asciiBundle(code, code);
    expect(escaped).to.match(/^[\x00-\x7f]*$/);
    expect(escaped).to.contain(String.raw`\u276f`).and.contain(String.raw`/\u276f/`).and.contain(String.raw`/\\\u276f/`);
    expect(evaluate(escaped)).to.deep.equal(evaluate(code)).and.deep.equal([true, true, true, true, true, false]);
  });

  it("keeps the bundle as it is when a tagged template holds such a character", () => {
    const code = "[String.raw`❯`, /❯/.source]";
    // esbuild's build with templates lowered has the template's text as an escaped string.
    const lowered = '[String.raw(__template(["\\u276F"])), /❯/.source]';
    expect(asciiBundle(code, lowered)).to.equal(code);
  });
});
