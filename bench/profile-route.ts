// Profiles the daemon while one REST route is under load, and prints where its CPU time went.
//
//   node --import tsx bench/profile-route.ts [health|projects|work-list|work-post] [seconds] [connections]
//
// The daemon runs as a user starts it (bundled dist/), with 10 paused projects and 1,000 queued items, under
// `node --cpu-prof`; its profile is summarised as self time per function and per package. The .cpuprofile is
// kept (its path is printed) for Chrome's or VS Code's profiler.
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBenchDaemon } from "./support/bench-daemon.js";
import { benchDaemonEnv } from "./support/bench-projects.js";
import { runHttpLoad } from "./support/http-load.js";

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const route = process.argv[2] ?? "health";
const seconds = Number(process.argv[3] ?? 5);
const connections = Number(process.argv[4] ?? 16);

const work = await mkdtemp(join(tmpdir(), "cmd-prof-"));
const profileDir = join(work, "profile");
await mkdir(profileDir);
const configFile = join(work, "config.json");
await writeFile(configFile, "{}\n");
const daemon = await startBenchDaemon({
  stateDir: join(work, "state"),
  configFile,
  env: benchDaemonEnv({ COMMANDER_MAX_QUEUED_PER_PROJECT: "1000000" }),
  nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`],
});
try {
  for (let index = 1; index <= 10; index++) {
    const id = `p-${String(index).padStart(2, "0")}`;
    const path = join(work, "projects", id);
    await mkdir(path, { recursive: true });
    await daemon.call("POST", "/api/projects", { path, project_id: id, name: id });
    await daemon.call("POST", `/api/projects/${id}/pause`, {});
  }
  if (route === "work-list") {
    for (let index = 0; index < 1000; index++) await daemon.call("POST", "/api/work", { project_id: "p-01", content: `item ${index}` });
  }
  const targets: Record<string, { path: string; method?: "GET" | "POST"; body?: string }> = {
    health: { path: "/api/health" },
    projects: { path: "/api/projects" },
    "work-list": { path: "/api/work?project_id=p-01" },
    "work-post": { path: "/api/work", method: "POST", body: JSON.stringify({ project_id: "p-02", content: "profiled item" }) },
  };
  const target = targets[route];
  if (target === undefined) throw new Error(`unknown route ${route}: one of ${Object.keys(targets).join(", ")}`);
  const run = await runHttpLoad({ url: daemon.url + target.path, method: target.method, body: target.body, connections, durationS: seconds });
  console.log(`${route}: ${Math.round(run.ok / run.seconds)} req/s over ${connections} connections (${run.failed} failed)`);
} finally {
  await daemon.stop();
}

const file = (await readdir(profileDir)).find((name) => name.endsWith(".cpuprofile"));
if (file === undefined) throw new Error("the daemon wrote no profile");
const kept = join(tmpdir(), `commander-${route}.cpuprofile`);
const text = await readFile(join(profileDir, file), "utf8");
await writeFile(kept, text);
await rm(work, { recursive: true, force: true });
summarise(JSON.parse(text) as CpuProfile);
console.log(`\nprofile: ${kept}`);

function summarise(profile: CpuProfile): void {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const inclusive = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const frame = frames.get(id)!;
    const micros = profile.timeDeltas[index] ?? 0;
    if (frame.functionName === "(idle)" || frame.functionName === "(program)") return;
    total += micros;
    const where = frame.url.replace(/^.*\/(node_modules|dist|src)\//, "$1/");
    const key = `${frame.functionName || "(anonymous)"}  ${where}:${frame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const outer = frames.get(at)!;
      if (!outer.url.includes("/dist/")) continue;
      const name = `${outer.functionName || "(anonymous)"}  ${outer.url.replace(/^.*\/dist\//, "dist/")}:${outer.lineNumber + 1}`;
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + micros);
    }
    const pkg = frame.url === "" ? frame.functionName : frame.url.startsWith("node:") ? "node:" + frame.url.slice(5).split("/")[0] : (/node_modules\/((@[^/]+\/)?[^/]+)/.exec(frame.url)?.[1] ?? where.split("/").slice(0, 2).join("/"));
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  });
  const top = (map: Map<string, number>, count: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, count).map(([key, micros]) => `${((100 * micros) / total).toFixed(1).padStart(5)} %  ${key}`);
  console.log(`\nbusy time: ${(total / 1000).toFixed(0)} ms\n\nby package:`);
  console.log(top(byPackage, 15).join("\n"));
  console.log("\nby function (self time):");
  console.log(top(byFunction, 45).join("\n"));
  console.log("\nCommander's functions (inclusive time):");
  console.log(top(inclusive, 40).join("\n"));
}
