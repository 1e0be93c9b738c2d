import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "../support/bench-daemon.js";
import { benchDaemonEnv, registerProjects, startSectionDaemon } from "../support/bench-projects.js";
import type { BenchSection } from "../support/bench-section.js";
import { formatCount, formatMs, formatRatio } from "../support/format.js";
import { startHelper } from "../support/helper-process.js";
import { median } from "../support/stats.js";
import { writeStateFixture } from "../support/state-fixture.js";

const COMMANDER_BIN = join(REPO_ROOT, "bin", "commander.js");
const BARE_CLI = join(import.meta.dirname, "..", "support", "bare-cli.mjs");
const BARE_SERVER = join(import.meta.dirname, "..", "support", "bare-http-server.mjs");

/**
 * What a person waits for: `commander projects list` against a running daemon (the compiled dist/, and the
 * sources through tsx as a development checkout runs them), and the daemon's start until its health
 * route answers with 10,000 work items stored. Baselines: a bare Node program fetching the same list with
 * node:http, and a bare node:http server's start until it answers.
 */
export const cliSection: BenchSection = {
  id: "cli",
  title: "Command line and start-up",
  baseline: "a bare Node program fetching the same URL with `node:http` (for the CLI); a bare `node:http` server process from spawn to its first answer (for the daemon's start)",
  async run(context) {
    const { settings, report, workspace, cleanup } = context;
    const runs = settings.cli.runs;
    const daemon = await startSectionDaemon(context, "cli", benchDaemonEnv());
    await registerProjects(context, daemon, { prefix: "cli", count: 10, paused: true });
    const env = { ...process.env, COMMANDER_URL: daemon.url, COMMANDER_FROM_SOURCE: "", NO_COLOR: "1" };
    const cli = (extra: NodeJS.ProcessEnv = {}) => () => timeProcess([COMMANDER_BIN, "projects", "list"], { ...env, ...extra });
    const bare = () => timeProcess([BARE_CLI, `${daemon.url}/api/projects`], env);
    // Alternating runs, after one warm-up of each, so that a change in the machine's load falls on both.
    const [compiled, fromSource, baseline] = await alternate([cli(), cli({ COMMANDER_FROM_SOURCE: "1" }), bare], runs);
    report.add({
      what: `\`commander projects list\` (10 projects), wall time, median of ${runs}`,
      commander: formatMs(median(compiled)),
      baseline: formatMs(median(baseline)),
      ratio: formatRatio(median(compiled), median(baseline)),
      raw: { commander: compiled, baseline },
    });
    report.add({
      what: `the same, run from the TypeScript sources through tsx (COMMANDER_FROM_SOURCE=1)`,
      commander: formatMs(median(fromSource)),
      baseline: formatMs(median(baseline)),
      ratio: formatRatio(median(fromSource), median(baseline)),
      raw: { commander: fromSource, baseline },
    });
    await daemon.stop();

    // The daemon's start with a stored history, against the start of a bare server.
    const items = settings.cli.startItems;
    const stateDir = await workspace.dir("cli-start-state");
    const projects = [];
    for (let index = 1; index <= 10; index++) {
      const id = `start-${String(index).padStart(2, "0")}`;
      projects.push({ id, path: await workspace.dir(`projects/${id}`) });
    }
    await writeStateFixture(stateDir, { projects, paused: true, workItems: items, events: 0 });
    const config = join(workspace.root, "bare-start.json");
    await writeFile(config, JSON.stringify({ routes: [{ method: "GET", path: "/api/health", status: 200, contentType: "application/json", body: Buffer.from("{}").toString("base64") }] }));
    const starts: number[] = [];
    const bareStarts: number[] = [];
    for (let index = 0; index < 3; index++) {
      const started = await startSectionDaemon(context, `cli-start-${index}`, benchDaemonEnv(), stateDir);
      starts.push(started.servingMs);
      await started.stop();
      const t0 = performance.now();
      const helper = await startHelper([BARE_SERVER, config]);
      cleanup.add("bare server", () => helper.stop());
      await fetch(`http://127.0.0.1:${helper.port}/api/health`).then((r) => r.arrayBuffer());
      bareStarts.push(performance.now() - t0);
      await helper.stop();
    }
    report.add({
      what: `daemon start until \`GET /api/health\` answers, ${formatCount(items)} work items stored (median of 3)`,
      commander: formatMs(median(starts)),
      baseline: formatMs(median(bareStarts)),
      ratio: formatRatio(median(starts), median(bareStarts)),
      raw: { commander: starts, baseline: bareStarts },
    });
    report.note(
      "Wall time from spawning the process to its exit (the CLI) or to the first 200 answer (the daemon), measured by the benchmark process. `bin/commander.js` runs the compiled `dist/`, bundled into one file with V8's code cache (`dist/bundle/`, built by `npm run build`, which `npm ci` runs); the benchmark builds it first.",
    );
  },
};

async function alternate(runners: Array<() => Promise<number>>, runs: number): Promise<number[][]> {
  for (const run of runners) await run();
  const results: number[][] = runners.map(() => []);
  for (let index = 0; index < runs; index++) {
    for (const [which, run] of runners.entries()) results[which]!.push(await run());
  }
  return results;
}

/** Runs `node <args>` to its exit and resolves with the wall time in ms; rejects unless it exits 0. */
function timeProcess(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000)));
    child.stderr.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000)));
    child.once("error", reject);
    child.once("close", (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`node ${args.join(" ")} exited ${code}: ${output}`));
    });
  });
}
