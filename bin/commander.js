#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (built by `npm run build`, which `npm ci` runs through `prepare`).
// While dist/ is missing or older than a source file (a checkout being edited), it runs the TypeScript
// sources through tsx instead, so a command always runs the code in src/; COMMANDER_FROM_SOURCE=1
// forces that.
import { readdirSync, statSync } from "node:fs";

const root = new URL("../", import.meta.url);

/** When dist/ was built (its stamp is dated to the build's start), or undefined without a build. */
function builtAt() {
  try {
    return statSync(new URL("dist/.node-build", root)).mtimeMs;
  } catch {
    return undefined;
  }
}

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = new URL(entry.name + (entry.isDirectory() ? "/" : ""), dir);
    if (entry.isDirectory()) {
      if (entry.name !== "web" || dir.href !== new URL("src/", root).href) newest = Math.max(newest, newestSource(path));
    } else if (/\.(ts|mjs)$/.test(entry.name)) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

function distIsCurrent() {
  if (process.env.COMMANDER_FROM_SOURCE === "1") return false;
  const built = builtAt();
  if (built === undefined) return false;
  return newestSource(new URL("src/", root)) <= built && newestSource(new URL("gen/es/", root)) <= built;
}

if (distIsCurrent()) {
  await import("../dist/src/main.js");
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
