import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { BenchDaemon } from "../support/bench-daemon.js";
import { benchDaemonEnv, startSectionDaemon } from "../support/bench-projects.js";
import type { BenchSection, SectionContext } from "../support/bench-section.js";
import { formatCount, formatMiB, formatMs, formatRatio } from "../support/format.js";
import { rssBytes } from "../support/proc-stats.js";
import { KEEP_HISTORY_ENV, writeStateFixture } from "../support/state-fixture.js";

const PROJECTS = 10;

interface Lifecycle {
  firstStartMs: number;
  stopMs: number;
  restartMs: number;
  rss: number;
  diskBytes: number;
}

/**
 * A daemon holding 100,000 work items and 100,000 events of history (written as a state directory, then
 * loaded): its memory, how long a shutdown takes (it writes a final snapshot), and how long a restart
 * takes until the API answers. The baseline is the same daemon on an empty state directory.
 */
export const scaleSection: BenchSection = {
  id: "scale",
  title: "Scale: a large history",
  baseline: "the same daemon with an empty state directory",
  async run(context) {
    const { settings, report, workspace } = context;
    const { workItems, events } = settings.scale;
    const projects = [];
    for (let index = 1; index <= PROJECTS; index++) {
      const id = `big-${String(index).padStart(2, "0")}`;
      projects.push({ id, path: await workspace.dir(`projects/${id}`) });
    }

    const emptyDir = await workspace.dir("scale-empty-state");
    const empty = await lifecycle(context, "scale-empty", emptyDir);

    const bigDir = await workspace.dir("scale-big-state");
    const writeStart = performance.now();
    await writeStateFixture(bigDir, { projects, paused: false, workItems, events });
    report.note(`Writing the state directory took ${formatMs(performance.now() - writeStart)} (${formatMiB(await directoryBytes(bigDir))}).`);
    const big = await lifecycle(context, "scale-big", bigDir);

    const size = `${formatCount(workItems)} work items + ${formatCount(events)} events`;
    report.add({
      what: `${size}: restart until the API answers`,
      commander: formatMs(big.restartMs),
      baseline: formatMs(empty.restartMs),
      ratio: formatRatio(big.restartMs, empty.restartMs),
      raw: { commander: big.restartMs, baseline: empty.restartMs },
    });
    report.add({
      what: `${size}: shutdown, including the final snapshot`,
      commander: formatMs(big.stopMs),
      baseline: formatMs(empty.stopMs),
      ratio: formatRatio(big.stopMs, empty.stopMs),
      raw: { commander: big.stopMs, baseline: empty.stopMs },
    });
    report.add({
      what: `${size}: daemon memory (RSS) after the restart`,
      commander: formatMiB(big.rss),
      baseline: formatMiB(empty.rss),
      ratio: formatRatio(big.rss, empty.rss),
      raw: { commander: big.rss, baseline: empty.rss },
    });
    report.add({
      what: `${size}: state directory on disk`,
      commander: formatMiB(big.diskBytes),
      baseline: formatMiB(empty.diskBytes),
      ratio: "–",
      raw: { commander: big.diskBytes, baseline: empty.diskBytes },
    });
    report.note(
      `"Restart until the API answers" is from spawning the new daemon process (\`node bin/commander.js daemon\`, which runs the bundle in \`dist/bundle/\`) to its first 200 answer to \`GET /api/health\`; the first start on the freshly written directory took ${formatMs(big.firstStartMs)} (empty: ${formatMs(empty.firstStartMs)}).`,
    );
    report.note(
      "On disk the state directory holds each collection's snapshot twice after a restart: the current one and the previous generation (`.bak`), which the daemon keeps to recover from a damaged file.",
    );
    report.note(
      "The history is finished work items with results, and resolved or dismissed events, over 10 projects; the settings that prune history beyond 10,000 finished items and 10,000 closed events are raised for the run so that it is kept.",
    );
  },
};

/** Starts the daemon on the directory, stops it, starts it again; memory is read 2 s after the restart. */
async function lifecycle(context: SectionContext, name: string, stateDir: string): Promise<Lifecycle> {
  const env = benchDaemonEnv(KEEP_HISTORY_ENV);
  const first: BenchDaemon = await startSectionDaemon(context, `${name}-1`, env, stateDir);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const stopMs = await first.stop();
  const second = await startSectionDaemon(context, `${name}-2`, env, stateDir);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const rss = rssBytes(second.pid);
  await second.stop();
  return { firstStartMs: first.servingMs, stopMs, restartMs: second.servingMs, rss, diskBytes: await directoryBytes(stateDir) };
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(dir, entry.name))).size;
  }
  return total;
}
