import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { ERROR_CATALOGUE } from "../../src/errors/error-catalogue.js";
import { ERROR_PAGE, withErrorTable } from "../../scripts/render-error-table.js";
import { REPO_ROOT } from "../support/daemon-process.js";

describe("docs/errors.md", () => {
  it("lists every error reason of the catalogue with its code and HTTP status, and no other", async () => {
    const page = await readFile(`${REPO_ROOT}/${ERROR_PAGE}`, "utf8");
    const rows = new Map<string, string>();
    for (const match of page.matchAll(/^\| `([A-Z0-9_]+)` \| ([A-Z_]+) \| (\d{3}) \|/gm)) rows.set(match[1], `${match[2]} ${match[3]}`);
    const catalogue = new Map(Object.entries(ERROR_CATALOGUE).map(([reason, entry]) => [reason, `${entry.code} ${entry.http}`]));
    expect(Object.fromEntries(rows)).to.deep.equal(Object.fromEntries(catalogue));
  });

  it("has the error table `npm run docs:errors` writes from the catalogue", async () => {
    const page = await readFile(`${REPO_ROOT}/${ERROR_PAGE}`, "utf8");
    expect(withErrorTable(page) === page, `${ERROR_PAGE}'s error table is stale: run npm run docs:errors`).to.equal(true);
  });
});
