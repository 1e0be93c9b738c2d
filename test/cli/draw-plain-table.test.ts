import Table from "cli-table3";
import { expect } from "chai";
import { createPalette } from "../../src/cli/create-palette.js";
import { drawPlainTable } from "../../src/cli/draw-plain-table.js";

/** What cli-table3 draws with render-table's options. */
function cliTable3(rows: string[][], widths: number[], aligns: Array<"left" | "right">): string[] {
  const table = new Table({
    head: rows[0],
    colWidths: widths,
    colAligns: aligns,
    wordWrap: false,
    truncate: "…",
    chars: {
      top: "", "top-mid": "", "top-left": "", "top-right": "",
      bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "",
      left: "", "left-mid": "", mid: "", "mid-mid": "",
      right: "", "right-mid": "", middle: "  ",
    },
    style: { "padding-left": 0, "padding-right": 0, head: [], border: [], compact: true },
  });
  table.push(...rows.slice(1));
  return table.toString().split("\n");
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
}

describe("drawPlainTable", () => {
  const color = createPalette(true);
  const styles: Array<(text: string) => string> = [
    (t) => t,
    color.bold,
    color.dim,
    color.red,
    (t) => color.bold(color.green(t)),
    (t) => `\u001b[1m${t}`, // left open
    (t) => `\u001b[44m${t}\u001b[0m`,
    (t) => `${t}\u001b[m`,
    (t) => `\u001b[4;31m${t}\u001b[24m`,
  ];
  const words = ["", "a", "id", "queued", "in_progress", "Fix the build", "  spaced  ", "x".repeat(30), "~/src/api", "#12", "$HOME&|;"];

  it("draws generated tables of ASCII text and colour codes exactly as cli-table3 does", () => {
    const next = random(17);
    for (let run = 0; run < 400; run++) {
      const columns = 1 + next(5);
      const rows = Array.from({ length: 1 + next(5) }, () =>
        Array.from({ length: columns }, () => {
          const parts = Array.from({ length: 1 + next(3) }, () => styles[next(styles.length)]!(words[next(words.length)]!));
          return parts.join(next(2) === 0 ? "" : " ");
        }),
      );
      const widths = Array.from({ length: columns }, () => 1 + next(20));
      const aligns = Array.from({ length: columns }, () => (next(3) === 0 ? "right" : "left") as "left" | "right");
      const expected = cliTable3(rows, widths, aligns);
      expect(drawPlainTable(rows, widths, aligns, "  "), JSON.stringify({ rows, widths, aligns })).to.deep.equal(expected);
    }
  });

  it("leaves wide characters, emoji, accents and other control characters to cli-table3", () => {
    for (const text of ["日本語", "🙂 ok", "naïve", "a\tb", "\u001b]8;;http://x\u0007link\u001b]8;;\u0007", "e\u0301"]) {
      expect(drawPlainTable([["H"], [text]], [10], ["left"], "  "), JSON.stringify(text)).to.equal(undefined);
    }
  });

  it("leaves rows with a missing cell to cli-table3", () => {
    expect(drawPlainTable([["A", "B"], ["a"]], [3, 3], ["left", "left"], "  ")).to.equal(undefined);
  });
});
