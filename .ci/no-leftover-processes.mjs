#!/usr/bin/env node
// Usage: node .ci/no-leftover-processes.mjs [--run-id ID] -- COMMAND [ARG...]
//
// Runs COMMAND (the test suite) with a private TMPDIR and a run id in its environment, then fails if any
// process it started is still running: one that started during the run (not in the snapshot taken
// before it) and carries the run id in its environment, or runs in the private TMPDIR, or names it on
// its command line. Agents keep neither the environment (they get an allow-list) nor, always, their
// parent, hence the three marks. The leftovers are printed, then killed. Exit status: COMMAND's if it
// failed, else 1 when something was left, else 0. Linux only (/proc); elsewhere it just runs COMMAND.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const GRACE_MS = Number(process.env.COMMANDER_LEFTOVER_GRACE_MS ?? 5000);
const MARK = "COMMANDER_TEST_RUN_ID";

function parseArgs(argv) {
  let runId = `run-${randomBytes(8).toString("hex")}`;
  let index = 0;
  if (argv[index] === "--run-id") {
    runId = argv[index + 1];
    index += 2;
  }
  if (argv[index] === "--") index++;
  const command = argv.slice(index);
  if (command.length === 0 || !runId) {
    process.stderr.write("usage: node .ci/no-leftover-processes.mjs [--run-id ID] -- COMMAND [ARG...]\n");
    process.exit(2);
  }
  return { runId, command };
}

/** Every process as { pid, ppid, start, command, cwd, environ }; zombies left out (they hold nothing). */
function processes() {
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z" || fields[0] === "X") continue;
      const read = (read) => {
        try {
          return read();
        } catch {
          return "";
        }
      };
      found.push({
        pid: Number(entry),
        ppid: Number(fields[1]),
        // Field 22 of stat (the 20th after the state): start time, which tells a reused pid apart.
        start: fields[19],
        command: read(() => readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim()),
        cwd: read(() => readlinkSync(`/proc/${entry}/cwd`)),
        environ: read(() => readFileSync(`/proc/${entry}/environ`, "utf8")),
      });
    } catch {
      // It exited while being read.
    }
  }
  return found;
}

const key = (info) => `${info.pid}:${info.start}`;

function leftovers(before, runId, privateTmp) {
  const mark = `${MARK}=${runId}`;
  return processes().filter(
    (info) =>
      info.pid !== process.pid &&
      !before.has(key(info)) &&
      (info.environ.split("\0").includes(mark) ||
        info.cwd === privateTmp ||
        info.cwd.startsWith(`${privateTmp}/`) ||
        info.command.includes(privateTmp)),
  );
}

const { runId, command } = parseArgs(process.argv.slice(2));
const checking = existsSync("/proc/self/stat");
const before = new Set(checking ? processes().map(key) : []);
const privateTmp = mkdtempSync(join(tmpdir(), "cci-"));

const child = spawn(command[0], command.slice(1), {
  stdio: "inherit",
  env: { ...process.env, TMPDIR: privateTmp, [MARK]: runId },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
const status = await new Promise((resolve) => {
  child.once("error", (error) => {
    process.stderr.write(`cannot run ${command[0]}: ${error.message}\n`);
    resolve(127);
  });
  child.once("exit", (code) => resolve(code ?? 1));
});

let left = [];
if (checking) {
  // Programs that got their hang-up as the suite ended may take a moment to exit.
  const deadline = Date.now() + GRACE_MS;
  for (;;) {
    left = leftovers(before, runId, privateTmp);
    if (left.length === 0 || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (left.length > 0) {
    process.stderr.write(`\n${left.length} process(es) started by the tests outlived them (now killed):\n`);
    for (const info of left) {
      process.stderr.write(`  pid ${info.pid} (parent ${info.ppid}) in ${info.cwd || "?"}: ${info.command || "?"}\n`);
    }
    for (const info of left) {
      try {
        process.kill(info.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}
rmSync(privateTmp, { recursive: true, force: true, maxRetries: 3 });
process.exit(status !== 0 ? status : left.length > 0 ? 1 : 0);
