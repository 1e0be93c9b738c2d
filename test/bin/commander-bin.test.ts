import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { REPO_ROOT } from "../support/daemon-process.js";

const run = promisify(execFile);

/**
 * bin/commander.js in a package of its own: dist/src/main.js and src/main.ts each print where they run
 * from, so a test sees which one the launcher chose.
 */
async function fakePackage(): Promise<{ dir: string; run(env?: NodeJS.ProcessEnv): Promise<string>; date(path: string, at: Date): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "commander-bin-"));
  await mkdir(join(dir, "bin"));
  for (const file of ["commander.js", "run-bundle.js", "package.json"]) await copyFile(join(REPO_ROOT, "bin", file), join(dir, "bin", file));
  await writeFile(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  await symlink(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  await mkdir(join(dir, "src", "cli"), { recursive: true });
  await mkdir(join(dir, "gen", "es"), { recursive: true });
  await writeFile(join(dir, "src", "main.ts"), 'const from: string = "src";\nprocess.stdout.write(from);\n');
  await writeFile(join(dir, "src", "cli", "run-cli.ts"), "export {};\n");
  await mkdir(join(dir, "dist", "src"), { recursive: true });
  await writeFile(join(dir, "dist", "src", "main.js"), 'process.stdout.write("dist");\n');
  await writeFile(join(dir, "dist", ".node-build"), "");
  return {
    dir,
    async run(env = {}) {
      const { stdout } = await run(process.execPath, [join(dir, "bin", "commander.js")], { env: { ...process.env, COMMANDER_FROM_SOURCE: "", ...env } });
      return stdout;
    },
    date: (path, at) => utimes(join(dir, path), at, at),
  };
}

describe("bin/commander.js", () => {
  const made: string[] = [];
  after(async () => {
    for (const dir of made) await rm(dir, { recursive: true, force: true });
  });

  async function pkg(): Promise<Awaited<ReturnType<typeof fakePackage>>> {
    const p = await fakePackage();
    made.push(p.dir);
    const old = new Date(Date.now() - 60_000);
    for (const file of ["src/main.ts", "src/cli/run-cli.ts"]) await p.date(file, old);
    return p;
  }

  it("runs the compiled dist/ when it is newer than every source", async () => {
    const p = await pkg();
    expect(await p.run()).to.equal("dist");
  });

  it("runs the bundle in dist/bundle/ when the build made one", async () => {
    const p = await pkg();
    await mkdir(join(p.dir, "dist", "bundle"));
    await writeFile(join(p.dir, "dist", "bundle", "commander.cjs"), 'process.stdout.write("bundle " + require("node:path").basename(__filename));\n');
    expect(await p.run()).to.equal("bundle commander.cjs");
  });

  it("runs the bundle without a code cache that is older than it, or that V8 refuses", async () => {
    const p = await pkg();
    await mkdir(join(p.dir, "dist", "bundle"));
    const bundle = join(p.dir, "dist", "bundle", "commander.cjs");
    await writeFile(bundle, 'process.stdout.write("bundle");\n');
    await writeFile(`${bundle}.cache`, "not a code cache");
    expect(await p.run()).to.equal("bundle");
    await p.date("dist/bundle/commander.cjs.cache", new Date(Date.now() - 120_000));
    expect(await p.run()).to.equal("bundle");
  });

  it("runs the sources through tsx when a source file changed after the build", async () => {
    const p = await pkg();
    await p.date("src/cli/run-cli.ts", new Date(Date.now() + 60_000));
    expect(await p.run()).to.equal("src");
  });

  it("looks at sources in subdirectories, and not at the dashboard's (src/web, built apart)", async () => {
    const p = await pkg();
    await mkdir(join(p.dir, "src", "web"), { recursive: true });
    await writeFile(join(p.dir, "src", "web", "main.ts"), "export {};\n");
    await p.date("src/web/main.ts", new Date(Date.now() + 60_000));
    expect(await p.run()).to.equal("dist");
    await mkdir(join(p.dir, "src", "cli", "commands"), { recursive: true });
    await writeFile(join(p.dir, "src", "cli", "commands", "web.ts"), "export {};\n");
    await p.date("src/cli/commands/web.ts", new Date(Date.now() + 60_000));
    expect(await p.run()).to.equal("src");
  });

  it("runs the sources through tsx when dist/ was never built", async () => {
    const p = await pkg();
    await rm(join(p.dir, "dist"), { recursive: true });
    expect(await p.run()).to.equal("src");
  });

  it("runs the sources when COMMANDER_FROM_SOURCE=1", async () => {
    const p = await pkg();
    expect(await p.run({ COMMANDER_FROM_SOURCE: "1" })).to.equal("src");
  });
});
