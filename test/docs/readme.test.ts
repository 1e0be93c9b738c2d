import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { REPO_ROOT } from "../support/daemon-process.js";

describe("README", () => {
  it("names the two commands that start the daemon and run the tests", async () => {
    const readme = await readFile(`${REPO_ROOT}/README.md`, "utf8");
    const pkg = JSON.parse(await readFile(`${REPO_ROOT}/package.json`, "utf8"));
    expect(readme).to.include("npm start").and.include("npm test");
    // `exec`: npm's shell is replaced by the daemon, so the signal npm passes on reaches it.
    expect(pkg.scripts.start).to.equal("exec node bin/commander.js daemon");
    expect(pkg.scripts.test).to.equal("mocha");
  });

  it("stays a front door of at most 250 lines that links to every page of docs/", async () => {
    // Reference material belongs in docs/ (issue 12): the README says what Commander is, how to start, and where to read next.
    const readme = await readFile(`${REPO_ROOT}/README.md`, "utf8");
    expect(readme.split("\n").length).to.be.at.most(250);
    for (const page of ["rest-api", "errors", "streaming", "cli", "dashboard", "notifications", "operations", "architecture", "work-loop", "performance"]) {
      expect(readme, page).to.include(`](docs/${page}.md)`);
    }
  });
});
