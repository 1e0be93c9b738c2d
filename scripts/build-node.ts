// Compiles the daemon and the CLI (src/ and gen/es/, not the browser code) into dist/ with tsc, so
// bin/commander.js runs JavaScript instead of compiling TypeScript on every start. Run by `npm run build`
// (and so by `npm ci`, through `prepare`).
import { spawnSync } from "node:child_process";
import { copyFile, mkdir, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const DIST = join(REPO_ROOT, "dist");
/** Written last, dated to the build's start: bin/commander.js runs dist/ only while no source is newer. */
export const BUILD_STAMP_NAME = ".node-build";
const SOURCES = ["src", join("gen", "es")];

/**
 * Builds `<outDir>/src` and `<outDir>/gen` (dist/ by default; the directory must be inside the package,
 * where the compiled code finds package.json); resolves false (after saying why) when TypeScript is not
 * installed.
 */
export async function buildNode(outDir = DIST): Promise<boolean> {
  const tsc = join(REPO_ROOT, "node_modules", ".bin", "tsc");
  if (!existsSync(tsc)) {
    process.stderr.write("build: typescript is not installed (a production-only install); bin/commander.js will run the sources through tsx\n");
    return false;
  }
  const started = new Date();
  const stamp = join(outDir, BUILD_STAMP_NAME);
  await rm(stamp, { force: true });
  for (const dir of SOURCES) await rm(join(outDir, dir.split("/")[0] ?? dir), { recursive: true, force: true });
  const result = spawnSync(tsc, ["-p", join(REPO_ROOT, "tsconfig.build.json"), "--outDir", outDir], { cwd: REPO_ROOT, stdio: "inherit" });
  if (result.status !== 0) throw new Error(`tsc failed (exit ${result.status ?? result.signal})`);
  for (const dir of SOURCES) await copyPlainScripts(join(REPO_ROOT, dir), outDir);
  await writeFile(stamp, `${started.toISOString()}\n`);
  await utimes(stamp, started, started);
  return true;
}

/** Plain JavaScript files among the sources (the hook forwarder) are run as they are: tsc does not copy them. */
async function copyPlainScripts(dir: string, outDir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== join(REPO_ROOT, "src", "web")) await copyPlainScripts(path, outDir);
    } else if (entry.name.endsWith(".mjs")) {
      const target = join(outDir, relative(REPO_ROOT, path));
      await mkdir(dirname(target), { recursive: true });
      await copyFile(path, target);
    }
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  if (await buildNode()) process.stdout.write(`daemon and CLI built in dist/ (${Math.round(performance.now() - started)} ms)\n`);
}
