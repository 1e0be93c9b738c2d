import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { STORE_PROBLEM_CODES } from "../../src/store/state-files.js";

const ROOT = new URL("../..", import.meta.url).pathname;

describe("store problem codes", () => {
  it("lists every code the store reports, and docs/errors.md documents each in its health problem table", () => {
    const sources = readdirSync(join(ROOT, "src/store"))
      .filter((file) => file.endsWith(".ts"))
      .map((file) => readFileSync(join(ROOT, "src/store", file), "utf8"))
      .join("\n");
    const reported = new Set([...sources.matchAll(/(?:report\(\s*"([A-Z_]+)"|code: "([A-Z_]+)", message)/g)].map((match) => match[1] ?? match[2]));
    expect([...reported].sort()).to.deep.equal(Object.keys(STORE_PROBLEM_CODES).sort());

    const page = readFileSync(join(ROOT, "docs/errors.md"), "utf8");
    const start = page.indexOf("## Health problem codes");
    expect(start, "docs/errors.md has a Health problem codes section").to.be.at.least(0);
    const end = page.indexOf("\n## ", start + 1);
    const table = page.slice(start, end < 0 ? undefined : end);
    for (const code of Object.keys(STORE_PROBLEM_CODES)) expect(table, code).to.match(new RegExp(`^\\| \`${code}\` \\| \\S`, "m"));
  });
});
