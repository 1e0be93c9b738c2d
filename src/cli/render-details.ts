import type { Palette } from "./create-palette.js";

/** A label and its value; rows without a value are left out. */
export type DetailRow = [label: string, value: string | undefined];

/** Aligned `label  value` lines for one record, as `show` commands print it. */
export function renderDetails(rows: DetailRow[], color: Palette): string {
  const present = rows.filter((row): row is [string, string] => row[1] !== undefined && row[1] !== "");
  const labelWidth = Math.max(0, ...present.map(([label]) => label.length + 1));
  return present
    .map(([label, value]) => {
      const indent = " ".repeat(labelWidth + 2);
      const [first, ...rest] = value.split("\n");
      return [`${color.bold(`${label}:`.padEnd(labelWidth))}  ${first}`, ...rest.map((line) => `${indent}${line}`)].join("\n");
    })
    .join("\n");
}
