// Runs the CommonJS bundle the build makes (dist/bundle/commander.cjs) with V8's code cache: the build runs
// it once (`--help`, which loads every command) with `writeCache`, and saves V8's compiled code of
// everything that ran next to it (`commander.cjs.cache`); later runs give that to V8, which then skips
// parsing and compiling it (about 20 ms of a command's start). Node 20 has no code cache for ES modules
// (`module.enableCompileCache` is Node 22's), hence a CommonJS bundle run through `vm.Script`, as
// `require` would run it. V8 checks the cache against the source's length and its own version and
// flags, and compiles as usual when it does not match.
"use strict";
const { isAscii } = require("node:buffer");
const { readFileSync, renameSync, statSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { dirname } = require("node:path");
const { Script } = require("node:vm");

/**
 * Runs the bundle at `file` (an absolute path) and returns whether V8 used the code cache. With
 * `writeCache`, the cache is written when the process exits, holding the code of all that ran.
 */
function runBundle(file, { writeCache = false } = {}) {
  const cacheFile = `${file}.cache`;
  const bytes = readFileSync(file);
  // The build escapes what is not ASCII when it can (scripts/build-node.ts, asciiBundle): such a file needs
  // no UTF-8 decoding.
  const source = isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
  // A cache older than the bundle was made from another build.
  const cacheTime = statSync(cacheFile, { throwIfNoEntry: false })?.mtimeMs;
  const cachedData = !writeCache && cacheTime !== undefined && cacheTime >= statSync(file).mtimeMs ? readFileSync(cacheFile) : undefined;
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  if (writeCache) {
    process.once("exit", () => {
      writeFileSync(`${cacheFile}.tmp`, script.createCachedData());
      renameSync(`${cacheFile}.tmp`, cacheFile);
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return cachedData !== undefined && !script.cachedDataRejected;
}

module.exports = { runBundle };
