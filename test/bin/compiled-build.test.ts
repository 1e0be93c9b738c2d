import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { buildNode } from "../../scripts/build-node.js";
import { REPO_ROOT } from "../support/daemon-process.js";

const run = promisify(execFile);

// What `npm ci` installs (through `prepare`): the daemon and the CLI compiled by tsc. Built here into a
// directory of its own inside the package (the repository's dist/ is in use by other tests).
describe("the compiled build (npm run build)", function () {
  this.timeout(180_000);
  let out: string;

  before(async () => {
    out = await mkdtemp(join(REPO_ROOT, ".build-test-"));
    expect(await buildNode(out)).to.equal(true);
  });
  after(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it("emits ES modules that run: the CLI prints the package's version", async () => {
    const { stdout } = await run(process.execPath, [join(out, "src", "main.js"), "--version"], { cwd: REPO_ROOT });
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    expect(stdout.trim()).to.equal(pkg.version);
  });

  it("runs a client command from the compiled code, loading its modules on demand", async () => {
    const result = await run(process.execPath, [join(out, "src", "main.js"), "projects", "list", "--url", "http://127.0.0.1:9"], { cwd: REPO_ROOT }).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect((result as { code: number }).code, "daemon unreachable").to.equal(3);
    expect((result as { stderr: string }).stderr).to.match(/127\.0\.0\.1:9/);
  });

  it("bundles the CLI and the daemon into dist/bundle/, which runs a command", async () => {
    const entry = join(out, "bundle", "commander.cjs");
    const { stdout } = await run(process.execPath, [entry, "--version"], { cwd: REPO_ROOT });
    expect(stdout.trim()).to.match(/^\d+\.\d+\.\d+/);
    const result = await run(process.execPath, [entry, "projects", "list", "--url", "http://127.0.0.1:9"], { cwd: REPO_ROOT }).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect((result as { code: number }).code, "daemon unreachable").to.equal(3);
    expect((result as { stderr: string }).stderr).to.match(/127\.0\.0\.1:9/);
  });

  it("writes V8's code cache of the bundle, which bin/commander.js's loader uses", async () => {
    const entry = join(out, "bundle", "commander.cjs");
    expect(existsSync(`${entry}.cache`)).to.equal(true);
    // What bin/commander.js does, reporting whether V8 took the cache.
    const script = `const { runBundle } = require(${JSON.stringify(join(REPO_ROOT, "bin", "run-bundle.js"))}); process.argv = [process.argv[0], "x", "--version"]; process.stderr.write("cache used: " + runBundle(${JSON.stringify(entry)}));`;
    const { stdout, stderr } = await run(process.execPath, ["-e", script], { cwd: REPO_ROOT, env: { ...process.env, NODE_OPTIONS: "" } });
    expect(stdout.trim()).to.match(/^\d+\.\d+\.\d+/);
    expect(stderr).to.equal("cache used: true");
  });

  it("makes the bundle plain ASCII, which the launcher reads without decoding UTF-8", () => {
    // Fails when a tagged template holds a character that is not ASCII (scripts/build-node.ts, asciiBundle):
    // the bundle still runs, a few milliseconds slower; escape the character in the template instead.
    const bytes = readFileSync(join(out, "bundle", "commander.cjs"));
    expect(bytes.every((byte) => byte < 0x80)).to.equal(true);
  });

  it("puts every file the bundled code names relative to itself next to it", () => {
    const dir = join(out, "bundle");
    const named = new Set<string>();
    for (const match of readFileSync(join(dir, "commander.cjs"), "utf8").matchAll(/new URL\("(\.[^"]+)", __commanderModuleUrl\)/g)) named.add(match[1]!);
    expect([...named], "the hook forwarder at least").to.include("./hook-forwarder.mjs");
    for (const path of named) expect(existsSync(join(dir, path)), path).to.equal(true);
  });

  it("copies the plain scripts the daemon runs (the hook forwarder) next to the compiled code, and dates its stamp", () => {
    expect(existsSync(join(out, "src", "agents", "claude", "hook-forwarder.mjs"))).to.equal(true);
    expect(existsSync(join(out, ".node-build"))).to.equal(true);
    expect(existsSync(join(out, "src", "web")), "the dashboard is esbuild's").to.equal(false);
  });
});
