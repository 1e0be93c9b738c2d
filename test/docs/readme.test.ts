import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { ERROR_CATALOGUE } from "../../src/errors/error-catalogue.js";
import { withErrorTable } from "../../scripts/render-error-table.js";
import { REPO_ROOT } from "../support/daemon-process.js";

describe("README", () => {
  it("lists every error reason of the catalogue with its code and HTTP status, and no other", async () => {
    const readme = await readFile(`${REPO_ROOT}/README.md`, "utf8");
    const rows = new Map<string, string>();
    for (const match of readme.matchAll(/^\| `([A-Z0-9_]+)` \| ([A-Z_]+) \| (\d{3}) \|/gm)) rows.set(match[1], `${match[2]} ${match[3]}`);
    const catalogue = new Map(Object.entries(ERROR_CATALOGUE).map(([reason, entry]) => [reason, `${entry.code} ${entry.http}`]));
    expect(Object.fromEntries(rows)).to.deep.equal(Object.fromEntries(catalogue));
  });

  it("has the error table `npm run docs:errors` writes from the catalogue", async () => {
    const readme = await readFile(`${REPO_ROOT}/README.md`, "utf8");
    expect(withErrorTable(readme) === readme, "README.md's error table is stale: run npm run docs:errors").to.equal(true);
  });

  it("names the two commands that start the daemon and run the tests", async () => {
    const readme = await readFile(`${REPO_ROOT}/README.md`, "utf8");
    const pkg = JSON.parse(await readFile(`${REPO_ROOT}/package.json`, "utf8"));
    expect(readme).to.include("npm start").and.include("npm test");
    // `exec`: npm's shell is replaced by the daemon, so the signal npm passes on reaches it.
    expect(pkg.scripts.start).to.equal("exec node bin/commander.js daemon");
    expect(pkg.scripts.test).to.equal("mocha");
  });
});
