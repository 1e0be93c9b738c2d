import { open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { benchDaemonEnv, startSectionDaemon } from "../support/bench-projects.js";
import type { BenchSection } from "../support/bench-section.js";
import { formatMs, formatPair, formatRate, formatRatio } from "../support/format.js";
import { startHelper } from "../support/helper-process.js";
import { alternate, runHttpLoad } from "../support/http-load.js";
import { KEEP_HISTORY_ENV, writeStateFixture } from "../support/state-fixture.js";

const PROJECTS = 10;

/**
 * Acknowledged work items per second: `POST /api/work` from 64 concurrent connections, where every 201
 * means the item is in the fsynced journal. Measured on an empty state and with 10,000 and 100,000
 * items already stored (written as a state directory, then loaded by the daemon). The baseline is a bare
 * `node:http` server that makes each body durable the same way (append + fdatasync, concurrent requests
 * grouped into one write) and answers the same bytes: the ceiling for durable writes on this disk.
 */
export const durableWritesSection: BenchSection = {
  id: "durable",
  title: "Durable write throughput",
  baseline:
    "a bare `node:http` server in its own process that appends each body to a file and fdatasyncs it before answering (concurrent requests grouped into one write, as the daemon's journal does), with the same response bytes",
  async run(context) {
    const { settings, report, workspace, cleanup } = context;
    const { durationS, connections } = settings.durable;
    const projectDirs = [];
    for (let index = 1; index <= PROJECTS; index++) {
      const id = `dw-${String(index).padStart(2, "0")}`;
      projectDirs.push({ id, path: await workspace.dir(`projects/${id}`) });
    }
    const body = JSON.stringify({ project_id: "dw-01", content: "durable write benchmark: add a regression test for issue 8", priority: "medium" });
    const fsyncRate = await sequentialFsyncRate(join(workspace.root, "fsync-probe"), 1);
    report.note(`This disk does about ${formatRate(fsyncRate, " fdatasync/s")} one after the other (one small append each), so grouping writes is what makes more than that possible.`);

    let bareUrl = "";
    for (const stored of settings.durable.stored) {
      const stateDir = await workspace.dir(`durable-${stored}-state`);
      await writeStateFixture(stateDir, { projects: projectDirs, paused: true, workItems: stored, events: 0 });
      const daemon = await startSectionDaemon(context, `durable-${stored}`, benchDaemonEnv(KEEP_HISTORY_ENV), stateDir);
      const url = `${daemon.url}/api/work`;

      if (bareUrl === "") {
        // The baseline answers what the daemon answers to the same request.
        const sample = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json" } });
        const answer = Buffer.from(await sample.arrayBuffer());
        if (sample.status !== 201) throw new Error(`POST /api/work: HTTP ${sample.status} ${answer.toString().slice(0, 200)}`);
        const configFile = join(workspace.root, "bare-durable.json");
        await writeFile(
          configFile,
          JSON.stringify({
            routes: [{ method: "POST", path: "/api/work", status: 201, contentType: sample.headers.get("content-type"), body: answer.toString("base64") }],
            journal: join(await workspace.dir("bare-durable"), "journal.jsonl"),
          }),
        );
        const bare = await startHelper([join(import.meta.dirname, "..", "support", "bare-http-server.mjs"), configFile]);
        cleanup.add("bare durable server", () => bare.stop());
        bareUrl = `http://127.0.0.1:${bare.port}/api/work`;
      }

      const load = (target: string) => (seconds: number) => runHttpLoad({ url: target, method: "POST", body, connections, durationS: seconds });
      await load(url)(Math.min(1, durationS));
      await load(bareUrl)(Math.min(1, durationS));
      const { commander, baseline } = await alternate(load(url), load(bareUrl), durationS, settings.slices);
      if (commander.failed > 0) report.note(`${stored.toLocaleString("en-US")} stored: ${commander.failed} writes failed.`);
      const where = `${connections} clients, ${stored.toLocaleString("en-US")} items stored`;
      report.add({
        what: `${where}: acknowledged items`,
        commander: formatRate(commander.rps, " items/s"),
        baseline: formatRate(baseline.rps, " writes/s"),
        ratio: formatRatio(commander.rps, baseline.rps),
        raw: { stored, commander: commander.rps, baseline: baseline.rps },
      });
      report.add({
        what: `${where}: time to acknowledge p50 / p99`,
        commander: formatPair(formatMs(commander.latency.p50), formatMs(commander.latency.p99)),
        baseline: formatPair(formatMs(baseline.latency.p50), formatMs(baseline.latency.p99)),
        ratio: formatPair(formatRatio(commander.latency.p50, baseline.latency.p50), formatRatio(commander.latency.p99, baseline.latency.p99)),
        raw: { stored, commander: [commander.latency.p50, commander.latency.p99], baseline: [baseline.latency.p50, baseline.latency.p99] },
      });
      // Stopped, not killed: a daemon run with BENCH_DAEMON_NODE_ARGS="--cpu-prof ..." writes its profile.
      await daemon.stop();
    }
    report.note(
      "Stored items are finished work (history) spread over 10 projects; the new items go to a paused project, so they stay queued and no agent starts. The limits on unfinished items and on kept history are raised for the run.",
    );
  },
};

/** fdatasync calls per second when each waits for the previous one: what a write without grouping costs. */
async function sequentialFsyncRate(path: string, seconds: number): Promise<number> {
  const handle = await open(path, "a");
  const line = Buffer.from(`${"x".repeat(200)}\n`);
  let count = 0;
  const start = performance.now();
  try {
    while (performance.now() - start < seconds * 1000) {
      await handle.write(line);
      await handle.datasync();
      count++;
    }
  } finally {
    await handle.close();
  }
  return count / ((performance.now() - start) / 1000);
}
