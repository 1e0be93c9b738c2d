import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { REPO_ROOT } from "../support/daemon-process.js";

const run = promisify(execFile);

// Outside a clone, `npx commander` runs the unrelated npm package named `commander`, so the README tells
// users to put this project's `commander` on their PATH with `npm install -g .` (or `npm link`). This runs
// that install into a throwaway prefix (offline: it only links the clone) and the installed command from
// a directory outside the clone.
describe("installing the commander command as the README says", function () {
  this.timeout(120_000);
  let scratch: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), "commander-install-"));
  });

  after(async () => {
    // The prefix holds only links: removing it leaves the clone alone.
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("documents `npm install -g .` and `npm link`, and says what `npx commander` does outside the clone", async () => {
    const readme = await readFile(join(REPO_ROOT, "README.md"), "utf8");
    expect(readme).to.include("npm install -g .").and.include("npm link").and.include("npm install -g --prefix ~/.local .");
    expect(readme).to.match(/Anywhere else, `npx commander`\s+runs an unrelated npm package/);
  });

  it("puts a `commander` that prints Commander's help and version on the PATH, usable from any directory", async () => {
    const prefix = join(scratch, "prefix");
    const elsewhere = await mkdtemp(join(scratch, "elsewhere-"));
    // npm passes its own settings to the scripts it runs (`npm test`): none of them may redirect this install.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
    // --ignore-scripts: the install would run `prepare` (the build), rewriting dist/ under the other tests
    // running in parallel; the clone is already built.
    await run("npm", ["install", "-g", "--prefix", prefix, ".", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], {
      cwd: REPO_ROOT,
      env,
      timeout: 90_000,
    });

    const path = `${join(prefix, "bin")}:${env.PATH ?? ""}`;
    const help = await run("commander", ["--help"], { cwd: elsewhere, env: { ...env, PATH: path }, timeout: 30_000 });
    expect(help.stdout).to.include("Usage: commander").and.include("Run many AI coding agents across many projects");
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    const version = await run("commander", ["--version"], { cwd: elsewhere, env: { ...env, PATH: path }, timeout: 30_000 });
    expect(version.stdout.trim()).to.equal(pkg.version);
  });
});
