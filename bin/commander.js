#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (built by `npm run build`, which `npm ci` runs through `prepare`):
// the bundle in dist/bundle/ when there is one, else the compiled modules. While dist/ is missing or
// older than a source file (a checkout being edited), it runs the TypeScript sources through tsx instead,
// so a command always runs the code in src/; COMMANDER_FROM_SOURCE=1 forces that. Kept small: every
// command pays for what this file does before it starts (plain string paths, no URL objects per file).
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

/** The newest modification time of the .ts/.mjs files under `dir` (skipping the subdirectory `skip`). */
function newestSource(dir, skip) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const name = entry.name;
    if (entry.isDirectory()) {
      if (name !== skip) newest = Math.max(newest, newestSource(`${dir}${name}/`));
    } else if (name.endsWith(".ts") || name.endsWith(".mjs")) {
      newest = Math.max(newest, statSync(dir + name).mtimeMs);
    }
  }
  return newest;
}

function distIsCurrent() {
  if (process.env.COMMANDER_FROM_SOURCE === "1") return false;
  // The stamp is written last and dated to the build's start.
  const built = statSync(`${root}dist/.node-build`, { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined) return false;
  // The dashboard (src/web) is the browser's, built apart.
  return newestSource(`${root}src/`, "web") <= built && newestSource(`${root}gen/es/`) <= built;
}

if (distIsCurrent()) {
  await import(existsSync(`${root}dist/bundle/commander.mjs`) ? "../dist/bundle/commander.mjs" : "../dist/src/main.js");
} else {
  let register;
  try {
    ({ register } = await import("tsx/esm/api"));
  } catch {
    process.stderr.write("commander: dist/ is missing or older than src/, and tsx is not installed to run the sources: run `npm run build`\n");
    process.exit(1);
  }
  register();
  await import("../src/main.ts");
}
