/**
 * Draws the lines of a borderless table of single-line cells (the first row is the header) exactly as
 * cli-table3 draws it with `colWidths`, no padding, `truncate: "…"` and `middle` as the only border, or
 * returns undefined when a cell holds anything but printable ASCII and the SGR colour codes of the
 * palette. For such text a character is one column, so the layout needs none of cli-table3's
 * string-width measuring (its emoji regular expression was most of a listing's rendering time); other
 * text is left to cli-table3 itself. The truncation and colour-state rules below are cli-table3's
 * (src/utils.js: truncate, truncateWidthWithAnsi, colorizeLines, pad), quirks included, and a test
 * compares both on generated tables.
 */
export function drawPlainTable(rows: string[][], widths: number[], aligns: Array<"left" | "right">, middle: string): string[] | undefined {
  for (const row of rows) {
    if (row.length !== widths.length) return undefined;
    for (const cell of row) if (!printableAscii.test(cell.replace(sgr(), ""))) return undefined;
  }
  return rows.map((row) => row.map((cell, i) => pad(truncate(colorizeLine(cell), widths[i]!), widths[i]!, aligns[i] ?? "left")).join(middle));
}

const printableAscii = /^[\x20-\x7e]*$/;

// cli-table3's codeRegex: a fresh global expression per use, as it keeps its position.
function sgr(capture = false): RegExp {
  return capture ? /\u001b\[((?:\d*;){0,5}\d*)m/g : /\u001b\[(?:\d*;){0,5}\d*m/g;
}

function width(text: string): number {
  return text.replace(sgr(), "").length;
}

function repeat(text: string, times: number): string {
  return times > 0 ? text.repeat(times) : "";
}

function pad(text: string, length: number, align: "left" | "right"): string {
  const visible = width(text);
  if (length + 1 < visible) return text;
  return align === "right" ? repeat(" ", length - visible) + text : text + repeat(" ", length - visible);
}

function truncate(text: string, desired: number): string {
  if (width(text) <= desired) return text;
  return `${truncateWithAnsi(text, desired - 1)}…`;
}

function truncateWithAnsi(text: string, desired: number): string {
  const code = sgr(true);
  const pieces = text.split(sgr());
  let index = 0;
  let length = 0;
  let result = "";
  const state: ColourState = {};
  while (length < desired) {
    const match = code.exec(text);
    let piece = pieces[index++]!;
    if (length + piece.length > desired) piece = piece.slice(0, Math.max(0, desired - length));
    result += piece;
    length += piece.length;
    if (length < desired) {
      if (match === null) break;
      result += match[0];
      updateState(state, match);
    }
  }
  return unwindState(state, result);
}

/** One line of cli-table3's colorizeLines: styles still open at its end are closed. */
function colorizeLine(line: string): string {
  const state: ColourState = {};
  const code = sgr(true);
  for (let match = code.exec(line); match !== null; match = code.exec(line)) updateState(state, match);
  return unwindState(state, line);
}

type ColourState = Record<string, string | boolean>;

const styleCodes: Record<string, { set: string; to: boolean }> = {};
const styleOff: Record<string, string> = {};
for (const [name, on, off] of [["bold", 1, 22], ["italics", 3, 23], ["underline", 4, 24], ["inverse", 7, 27], ["strikethrough", 9, 29]] as const) {
  styleCodes[`\u001b[${on}m`] = { set: name, to: true };
  styleCodes[`\u001b[${off}m`] = { set: name, to: false };
  styleOff[name] = `\u001b[${off}m`;
}

function updateState(state: ColourState, match: RegExpExecArray): void {
  const code = match[1] ? Number.parseInt(match[1].split(";")[0]!, 10) : 0;
  if ((code >= 30 && code <= 39) || (code >= 90 && code <= 97)) {
    state.lastForegroundAdded = match[0];
    return;
  }
  if ((code >= 40 && code <= 49) || (code >= 100 && code <= 107)) {
    state.lastBackgroundAdded = match[0];
    return;
  }
  if (code === 0) {
    for (const key of Object.keys(state)) delete state[key];
    return;
  }
  const style = styleCodes[match[0]];
  if (style !== undefined) state[style.set] = style.to;
}

function unwindState(state: ColourState, text: string): string {
  const { lastBackgroundAdded: background, lastForegroundAdded: foreground } = state;
  delete state.lastBackgroundAdded;
  delete state.lastForegroundAdded;
  let result = text;
  for (const key of Object.keys(state)) if (state[key]) result += styleOff[key];
  if (background && background !== "\u001b[49m") result += "\u001b[49m";
  if (foreground && foreground !== "\u001b[39m") result += "\u001b[39m";
  return result;
}
