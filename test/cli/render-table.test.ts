import { expect } from "chai";
import { createPalette } from "../../src/cli/create-palette.js";
import { renderTable } from "../../src/cli/render-table.js";

describe("renderTable", () => {
  const plain = createPalette(false);
  const columns = [{ header: "ID" }, { header: "STATE" }, { header: "CONTENT", flex: true }];
  const rows = [
    ["work-000000000001", "queued", "Set up the project structure and write a README for it"],
    ["work-000000000002", "in_progress", "Fix the build"],
  ];

  it("lines up columns without borders", () => {
    const lines = renderTable(columns, rows, { width: undefined, color: plain }).split("\n");
    expect(lines[0]).to.match(/^ID\s+STATE\s+CONTENT$/);
    expect(lines[1]).to.equal("work-000000000001  queued       Set up the project structure and write a README for it");
    expect(lines[2]).to.equal("work-000000000002  in_progress  Fix the build");
  });

  it("truncates the free-text column to fit the terminal", () => {
    const lines = renderTable(columns, rows, { width: 60, color: plain }).split("\n");
    for (const line of lines) expect(line.length).to.be.at.most(60);
    expect(lines[1]).to.match(/^work-000000000001  queued       Set up the.*…$/);
    expect(lines[2]).to.contain("Fix the build");
  });

  it("keeps rows on one line when a cell has line breaks", () => {
    const table = renderTable(columns, [["a", "b", "first\nsecond"]], { width: undefined, color: plain });
    expect(table.split("\n")).to.have.length(2);
    expect(table).to.contain("first ⏎ second");
  });

  it("does not count colour codes as width", () => {
    const color = createPalette(true);
    const table = renderTable([{ header: "S" }, { header: "X" }], [[color.red("failed"), "x"]], { width: undefined, color });
    const line = table.split("\n")[1].replace(/\u001b\[[0-9;]*m/g, "");
    expect(line).to.equal("failed  x");
  });
});
