#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (built by `npm run build`, which `npm ci` runs through `prepare`):
// the bundle in dist/bundle/ with its code cache when there is one (./run-bundle.js), else the compiled
// modules. While dist/ is missing or older than a source file (a checkout being edited), it runs the
// TypeScript sources through tsx instead, so a command always runs the code in src/;
// COMMANDER_FROM_SOURCE=1 forces that. Kept small, and CommonJS (bin/package.json), which Node starts
// a few milliseconds sooner than an ES module: every command pays for what this file does before it
// starts (plain string paths, no URL objects per file).
"use strict";
const { existsSync, readdirSync, statSync } = require("node:fs");
const { dirname } = require("node:path");

const root = `${dirname(__dirname)}/`;

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
  const bundle = `${root}dist/bundle/commander.cjs`;
  if (existsSync(bundle)) require("./run-bundle.js").runBundle(bundle);
  else import("../dist/src/main.js");
} else {
  import("tsx/esm/api").then(
    ({ register }) => {
      register();
      return import("../src/main.ts");
    },
    () => {
      process.stderr.write("commander: dist/ is missing or older than src/, and tsx is not installed to run the sources: run `npm run build`\n");
      process.exit(1);
    },
  );
}
