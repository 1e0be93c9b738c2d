import { createRequire } from "node:module";
import type { Palette } from "./create-palette.js";
import { drawPlainTable } from "./draw-plain-table.js";

export interface TableColumn {
  header: string;
  /** Shrinks first when the table is wider than the terminal (long free text: content, titles, paths). */
  flex?: boolean;
  align?: "left" | "right";
}

export interface TableOptions {
  /** Terminal width to fit into; no limit when undefined. */
  width: number | undefined;
  color: Palette;
}

const separator = "  ";
const minFlexWidth = 12;
const minWidth = 4;

/**
 * A borderless table (like `kubectl get`), easy to read and to grep, fitted to the terminal by truncating
 * the free-text columns first. Cells are single lines.
 */
export function renderTable(columns: TableColumn[], rows: string[][], options: TableOptions): string {
  const cells = rows.map((row) => row.map(singleLine));
  const widths = fitWidths(
    columns,
    columns.map((column, i) => Math.max(visibleWidth(column.header), ...cells.map((row) => visibleWidth(row[i] ?? "")))),
    options.width,
  );
  const head = columns.map((c) => options.color.bold(c.header));
  const aligns = columns.map((c) => c.align ?? "left");
  const lines = drawPlainTable([head, ...cells], widths, aligns, separator) ?? drawWithCliTable3(head, cells, widths, aligns);
  return lines.map((line) => line.trimEnd()).join("\n");
}

// Text other than plain ASCII (wide characters, emoji, combining marks) is measured by cli-table3's
// string-width; it is loaded only then, as it costs a listing's start about 10 ms.
function drawWithCliTable3(head: string[], cells: string[][], widths: number[], aligns: Array<"left" | "right">): string[] {
  const Table = createRequire(import.meta.url)("cli-table3") as typeof import("cli-table3");
  const table = new Table({
    head,
    colWidths: widths,
    colAligns: aligns,
    wordWrap: false,
    truncate: "…",
    chars: {
      top: "", "top-mid": "", "top-left": "", "top-right": "",
      bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "",
      left: "", "left-mid": "", mid: "", "mid-mid": "",
      right: "", "right-mid": "", middle: separator,
    },
    style: { "padding-left": 0, "padding-right": 0, head: [], border: [], compact: true },
  });
  table.push(...cells);
  return table.toString().split("\n");
}

function fitWidths(columns: TableColumn[], natural: number[], width: number | undefined): number[] {
  const widths = [...natural];
  if (width === undefined) return widths;
  const available = width - separator.length * (columns.length - 1);
  let excess = widths.reduce((a, b) => a + b, 0) - available;
  for (const pass of ["flex", "any"] as const) {
    while (excess > 0) {
      const candidates = widths
        .map((w, i) => ({ w, i }))
        .filter(({ w, i }) => (pass === "any" || columns[i]?.flex) && w > (columns[i]?.flex ? minFlexWidth : minWidth));
      if (candidates.length === 0) break;
      const widest = candidates.reduce((a, b) => (b.w > a.w ? b : a));
      widths[widest.i] = widest.w - 1;
      excess--;
    }
  }
  return widths;
}

// Newlines are marked and tabs become spaces: both would break the columns.
function singleLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ⏎ ").replace(/\t/g, " ");
}

// ANSI colour codes take no room on screen.
function visibleWidth(text: string): number {
  return Array.from(text.replace(/\u001b\[[0-9;]*m/g, "")).length;
}
