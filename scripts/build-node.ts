// Compiles the daemon and the CLI (src/ and gen/es/, not the browser code) into dist/ with tsc, so
// bin/commander.js runs JavaScript instead of compiling TypeScript on every start, then bundles the
// compiled code with esbuild into one CommonJS file, dist/bundle/commander.cjs, with V8's code cache of it
// (commander.cjs.cache), which is what bin/commander.js runs: Node then reads two files instead of about
// 200 modules and V8 compiles little, which was most of a command's start (bench/README.md, "What the
// profiles showed"). Run by `npm run build` (and so by `npm ci`, through `prepare`).
import { spawnSync } from "node:child_process";
import { copyFile, mkdir, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const DIST = join(REPO_ROOT, "dist");
/** Written last, dated to the build's start: bin/commander.js runs dist/ only while no source is newer. */
export const BUILD_STAMP_NAME = ".node-build";
/** The bundle's directory inside the build directory, and the bundle (bin/commander.js runs it when present). */
export const BUNDLE_DIR_NAME = "bundle";
export const BUNDLE_ENTRY_NAME = "commander.cjs";
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
  if (await bundle(outDir)) writeCodeCache(join(outDir, BUNDLE_DIR_NAME, BUNDLE_ENTRY_NAME));
  await writeFile(stamp, `${started.toISOString()}\n`);
  await utimes(stamp, started, started);
  return true;
}

/**
 * Bundles `<outDir>/src/main.js` into `<outDir>/bundle/commander.cjs`, one CommonJS file (for V8's code
 * cache, see bin/run-bundle.js). Each command, and the daemon, stays a module that runs only when its
 * `import()` does, as before. pino and pino-pretty stay outside (loaded from node_modules). Without
 * esbuild (a production-only install) there is no bundle and bin/commander.js runs `<outDir>/src/main.js`.
 */
async function bundle(outDir: string): Promise<boolean> {
  const bundleDir = join(outDir, BUNDLE_DIR_NAME);
  await rm(bundleDir, { recursive: true, force: true });
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import("esbuild");
  } catch {
    process.stderr.write("build: esbuild is not installed: bin/commander.js will run the compiled modules unbundled\n");
    return false;
  }
  const options = {
    absWorkingDir: REPO_ROOT,
    entryPoints: [join(outDir, "src", "main.js")],
    bundle: true,
    format: "cjs",
    platform: "node",
    target: ["node20"],
    external: ["pino", "pino-pretty"],
    // The modules find files relative to themselves (`new URL("./hook-forwarder.mjs", import.meta.url)`).
    define: { "import.meta.url": "__commanderModuleUrl" },
    banner: { js: 'var __commanderModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
    legalComments: "none",
    logLevel: "warning",
    write: false,
  } satisfies import("esbuild").BuildOptions;
  const [built] = (await esbuild.build(options)).outputFiles;
  // Without templates, what esbuild leaves that is not ASCII can only be in regular expressions.
  const [withoutTemplates] = (await esbuild.build({ ...options, supported: { "template-literal": false } })).outputFiles;
  await mkdir(bundleDir, { recursive: true });
  await writeFile(join(bundleDir, BUNDLE_ENTRY_NAME), asciiBundle(built!.text, withoutTemplates!.text));
  // Paths the code takes relative to its own module point into the bundle's directory once bundled:
  // the plain scripts go there too.
  for (const script of BUNDLE_SIDE_SCRIPTS) await copyFile(join(REPO_ROOT, script), join(bundleDir, basename(script)));
  return true;
}

/**
 * Runs the bundle once as bin/commander.js does (through bin/run-bundle.js), with `--help`, which loads
 * every command and decodes every service's descriptors, and saves V8's code cache of what ran. A failure
 * only costs speed: the bundle runs without a cache.
 */
function writeCodeCache(entry: string): void {
  const runBundle = join(REPO_ROOT, "bin", "run-bundle.js");
  const script = `process.argv = [process.argv[0], ${JSON.stringify(entry)}, "--help"]; require(${JSON.stringify(runBundle)}).runBundle(${JSON.stringify(entry)}, { writeCache: true });`;
  // The cache holds the V8 flags it was made with: made as a plain `node` runs the command.
  const env = { ...process.env, NODE_OPTIONS: "" };
  const result = spawnSync(process.execPath, ["-e", script], { cwd: REPO_ROOT, env, stdio: ["ignore", "ignore", "inherit"] });
  if (result.status !== 0 || !existsSync(`${entry}.cache`)) process.stderr.write("build: could not write the code cache; commands will start a little slower\n");
}

/**
 * The bundle with its characters that are not ASCII escaped (`\u276f`), which bin/run-bundle.js reads
 * without decoding UTF-8 and V8 holds in one byte per character (together about 3 ms of a command's
 * start). esbuild escapes them in strings and templates itself, not in regular expressions (where
 * `\uXXXX` means the same character, in every mode) nor in the raw text of tagged templates (where it
 * would not): the escaping is done only when the same bundle built with its templates lowered to strings
 * has as many of them, so that none is in a template. Else the bundle is kept as it is.
 */
export function asciiBundle(text: string, withoutTemplates: string): string {
  const nonAscii = /(\\*)([^\x00-\x7f])/g;
  if ((text.match(nonAscii)?.length ?? 0) !== (withoutTemplates.match(nonAscii)?.length ?? 0)) return text;
  // An identity escape (`\❯`) becomes the escape itself (`\u276f`), not an escaped backslash.
  return text.replace(nonAscii, (_, slashes: string, char: string) => `${slashes.length % 2 === 1 ? slashes.slice(1) : slashes}\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Scripts the daemon runs by a path relative to the module that names them. */
const BUNDLE_SIDE_SCRIPTS = [join("src", "agents", "claude", "hook-forwarder.mjs")];

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
