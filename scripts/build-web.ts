// Builds the browser dashboard (src/web) into dist/web: hashed, minified scripts and styles, plus
// index.html, the web app manifest and the icon. Run by `npm run build:web` and by `prepare` (so `npm ci`
// builds it), and by the browser tests before they start a daemon.
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const DASHBOARD_OUT_DIR = join(REPO_ROOT, "dist", "web");
const SOURCE = join(REPO_ROOT, "src", "web");

export interface DashboardBuild {
  readonly outDir: string;
  /** Every file written, with its size before compression. */
  readonly files: Array<{ name: string; bytes: number }>;
  /** The files index.html loads at once (its entry script and style sheet, and what the script imports statically). */
  readonly firstLoad: string[];
}

/**
 * Builds into `outDir`. Every file is written to a temporary name and renamed into place (index.html
 * last), so concurrent builds (parallel test processes) and a daemon reading the directory never see a
 * half-written file.
 */
export async function buildDashboard(outDir = DASHBOARD_OUT_DIR, options: { precompress?: boolean } = {}): Promise<DashboardBuild> {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [join(SOURCE, "main.tsx")],
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    minify: true,
    sourcemap: false,
    legalComments: "none",
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]",
    assetNames: "[name]-[hash]",
    jsx: "automatic",
    jsxImportSource: "preact",
    tsconfig: join(SOURCE, "tsconfig.json"),
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  const outputs = result.metafile.outputs;
  const entry = Object.entries(outputs).find(([, output]) => output.entryPoint !== undefined && output.entryPoint.endsWith("main.tsx"));
  if (entry === undefined) throw new Error("esbuild produced no entry script");
  const [entryPath, entryOutput] = entry;
  const script = basename(entryPath);
  const style = entryOutput.cssBundle === undefined ? undefined : basename(entryOutput.cssBundle);
  const firstLoad = [script, ...(style ? [style] : []), ...entryOutput.imports.filter((i) => i.kind === "import-statement").map((i) => basename(i.path))];

  const template = await readFile(join(SOURCE, "static", "index.html"), "utf8");
  const preloads = firstLoad.filter((name) => name.endsWith(".js") && name !== script).map((name) => `<link rel="modulepreload" href="/${name}">`);
  const index = template
    .replace("<!--styles-->", style ? `<link rel="stylesheet" href="/${style}">` : "")
    .replace("<!--scripts-->", [...preloads, `<script type="module" src="/${script}"></script>`].join("\n    "));

  const files: Array<{ name: string; contents: Uint8Array }> = result.outputFiles.map((file) => ({ name: basename(file.path), contents: file.contents }));
  for (const name of ["manifest.webmanifest", "icon.svg", "icon-192.png", "icon-512.png", "icon-maskable-512.png"]) {
    files.push({ name, contents: await readFile(join(SOURCE, "static", name)) });
  }
  files.push({ name: "index.html", contents: Buffer.from(index, "utf8") });
  // Compressed here, once: brotli at its best level takes seconds, too long for the daemon.
  for (const file of options.precompress === false ? [] : [...files]) {
    if (!/\.(js|css|html|webmanifest|svg)$/.test(file.name) || file.contents.length < 256) continue;
    files.push({ name: `${file.name}.gz`, contents: gzipSync(file.contents, { level: 9 }) });
    files.push({
      name: `${file.name}.br`,
      contents: brotliCompressSync(file.contents, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: file.contents.length } }),
    });
  }
  await mkdir(outDir, { recursive: true });
  // index.html last: until it is replaced, the previous build stays whole.
  files.sort((a, b) => Number(a.name === "index.html") - Number(b.name === "index.html"));
  for (const file of files) await writeAtomically(join(outDir, file.name), file.contents);
  // Files of earlier builds go (a build from the same sources writes the same names, so concurrent
  // builds do not remove each other's files).
  const current = new Set(files.map((file) => file.name));
  for (const name of await readdir(outDir)) {
    if (!name.startsWith(".") && !current.has(name)) await rm(join(outDir, name), { force: true });
  }
  const build = { outDir, files: files.map((file) => ({ name: file.name, bytes: file.contents.length })), firstLoad: [...firstLoad, "index.html"] };
  await writeAtomically(join(outDir, ".build.json"), Buffer.from(JSON.stringify(build)));
  return build;
}

async function writeAtomically(path: string, contents: Uint8Array): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}`);
  await writeFile(temporary, contents);
  await rename(temporary, path);
}

let shared: Promise<DashboardBuild> | undefined;

/**
 * Builds dist/web once per process (the tests call it from every file that needs the page), unless it
 * is newer than every input: the sources, the generated API code, the lock file and this script.
 */
export function ensureDashboardBuilt(): Promise<DashboardBuild> {
  shared ??= (async () => {
    const built = await modifiedAt(join(DASHBOARD_OUT_DIR, "index.html"));
    const manifest = await readFile(join(DASHBOARD_OUT_DIR, ".build.json"), "utf8").then((text) => JSON.parse(text) as DashboardBuild, () => undefined);
    if (built > 0 && manifest !== undefined && (await newestInput()) < built) return manifest;
    return buildDashboard();
  })();
  return shared;
}

async function newestInput(): Promise<number> {
  let newest = 0;
  const visit = async (path: string): Promise<void> => {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) return;
    if (info.isDirectory()) {
      for (const entry of await readdir(path)) await visit(join(path, entry));
    } else {
      newest = Math.max(newest, info.mtimeMs);
    }
  };
  for (const input of [SOURCE, join(REPO_ROOT, "gen", "es"), join(REPO_ROOT, "package-lock.json"), fileURLToPath(import.meta.url)]) await visit(input);
  return newest;
}

async function modifiedAt(path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.mtimeMs ?? 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await import("esbuild");
  } catch {
    // `npm ci --omit=dev` has no esbuild: the daemon then answers the page with how to build it.
    process.stderr.write("build:web: esbuild is not installed (a production-only install); the dashboard is not built\n");
    process.exit(0);
  }
  const build = await buildDashboard();
  const { readFileSync } = await import("node:fs");
  const firstLoadGzip = build.firstLoad.reduce((sum, name) => sum + gzipSync(readFileSync(join(build.outDir, name)), { level: 9 }).length, 0);
  process.stdout.write(`dashboard built in ${build.outDir}: ${build.files.length} files, first load ${(firstLoadGzip / 1024).toFixed(1)} KiB gzip\n`);
}
