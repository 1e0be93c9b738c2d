// `npm run bench`: runs every section, prints the results as markdown and writes them to bench/RESULTS.md
// (with the machine's description) and bench/out/results.json. Not part of the test suite.
// See bench/README.md for what each figure means and the BENCH_* settings.
import { loadavg } from "node:os";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildNode } from "../scripts/build-node.js";
import { readSettings } from "./bench-settings.js";
import { cliSection } from "./sections/cli-section.js";
import { claudeHookSection } from "./sections/claude-hook-section.js";
import { durableWritesSection } from "./sections/durable-writes-section.js";
import { eventLatencySection } from "./sections/event-latency-section.js";
import { fanOutSection } from "./sections/fan-out-section.js";
import { grpcSection } from "./sections/grpc-section.js";
import { idleCostSection } from "./sections/idle-cost-section.js";
import { memorySection } from "./sections/memory-section.js";
import { restSection } from "./sections/rest-section.js";
import { scaleSection } from "./sections/scale-section.js";
import type { BenchSection } from "./support/bench-section.js";
import { CleanupStack } from "./support/cleanup-stack.js";
import { describeMachine } from "./support/describe-machine.js";
import { renderResults } from "./support/render-results.js";
import { SectionReport, type SectionResult } from "./support/section-result.js";
import { createWorkspace } from "./support/workspace.js";

const SECTIONS: BenchSection[] = [
  restSection,
  grpcSection,
  durableWritesSection,
  eventLatencySection,
  claudeHookSection,
  fanOutSection,
  idleCostSection,
  scaleSection,
  cliSection,
  memorySection,
];

async function main(): Promise<number> {
  const settings = readSettings();
  const unknown = [...(settings.only ?? [])].filter((id) => !SECTIONS.some((section) => section.id === id));
  if (unknown.length > 0) {
    process.stderr.write(`unknown section(s) in BENCH_ONLY: ${unknown.join(", ")} (known: ${SECTIONS.map((s) => s.id).join(", ")})\n`);
    return 2;
  }
  const startedAt = new Date();
  const started = performance.now();
  const machine = describeMachine();
  const workspace = await createWorkspace();
  const results: SectionResult[] = [];
  let active: CleanupStack | null = null;

  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping the benchmark and cleaning up\n`);
    void (async () => {
      await active?.runAll();
      if (!settings.keepFiles) await workspace.remove();
      process.exit(130);
    })();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  process.stderr.write(`commander bench (${settings.quick ? "quick" : "full"}), work files in ${workspace.root}\n`);
  // The daemons and the CLI run the compiled dist/, as after `npm ci`: build it from the current sources.
  await buildNode();
  for (const section of SECTIONS) {
    if (settings.only && !settings.only.has(section.id)) continue;
    process.stderr.write(`\n== ${section.title}\n`);
    const cleanup = new CleanupStack();
    active = cleanup;
    const report = new SectionReport();
    const sectionStart = performance.now();
    let error: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const running = section.run({ settings, workspace, cleanup, report });
      running.catch(() => undefined);
      await Promise.race([
        running,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`stopped after ${settings.sectionTimeoutS} s (BENCH_SECTION_TIMEOUT)`)), settings.sectionTimeoutS * 1000);
        }),
      ]);
    } catch (caught) {
      error = (caught as Error).message.split("\n")[0];
      process.stderr.write(`   failed: ${(caught as Error).stack ?? caught}\n`);
    } finally {
      clearTimeout(timer);
      await cleanup.runAll();
      active = null;
    }
    const durationMs = performance.now() - sectionStart;
    process.stderr.write(`   (${(durationMs / 1000).toFixed(0)} s)\n`);
    results.push({ id: section.id, title: section.title, baseline: section.baseline, figures: report.figures, notes: report.notes, durationMs, error });
  }
  if (!settings.keepFiles) await workspace.remove();

  const durationS = (performance.now() - started) / 1000;
  const markdown = renderResults(
    {
      startedAt,
      durationS,
      quick: settings.quick,
      machine,
      loadAverageAfter: loadavg().map((value) => value.toFixed(2)).join(", "),
      command: settings.quick ? "BENCH_QUICK=1 npm run bench" : "npm run bench",
    },
    results,
  );
  process.stdout.write(`\n${markdown}`);
  const outDir = join(import.meta.dirname, "out");
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, "results.json"), `${JSON.stringify({ startedAt, durationS, settings: { ...settings, only: settings.only ? [...settings.only] : null }, machine, results }, null, 2)}\n`);
  // A partial run (BENCH_ONLY) must not replace the complete results.
  const target = settings.only ? join(outDir, "RESULTS.partial.md") : join(import.meta.dirname, "RESULTS.md");
  await writeFile(target, markdown);
  process.stderr.write(`\nwritten to ${target} (${Math.round(durationS)} s)\n`);
  return results.some((result) => result.error) ? 1 : 0;
}

process.exit(await main());
