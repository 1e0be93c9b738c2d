import { open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { benchDaemonEnv, startSectionDaemon } from "../support/bench-projects.js";
import type { BenchSection } from "../support/bench-section.js";
import { formatMs, formatPair, formatRate, formatRatio } from "../support/format.js";
import { startHelper } from "../support/helper-process.js";
import { runHttpLoad } from "../support/http-load.js";
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

    let baselineRate = Number.NaN;
    let baselineLatency: [number, number] = [Number.NaN, Number.NaN];
    for (const stored of settings.durable.stored) {
      const stateDir = await workspace.dir(`durable-${stored}-state`);
      await writeStateFixture(stateDir, { projects: projectDirs, paused: true, workItems: stored, events: 0 });
      const daemon = await startSectionDaemon(context, `durable-${stored}`, benchDaemonEnv(KEEP_HISTORY_ENV), stateDir);
      const url = `${daemon.url}/api/work`;

      if (Number.isNaN(baselineRate)) {
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
        const bareUrl = `http://127.0.0.1:${bare.port}/api/work`;
        await runHttpLoad({ url: bareUrl, method: "POST", body, connections, durationS: Math.min(1, durationS) });
        const baseline = await runHttpLoad({ url: bareUrl, method: "POST", body, connections, durationS });
        baselineRate = baseline.rps;
        baselineLatency = [baseline.latency.p50, baseline.latency.p99];
        await bare.stop();
      }

      await runHttpLoad({ url, method: "POST", body, connections, durationS: Math.min(1, durationS) });
      const result = await runHttpLoad({ url, method: "POST", body, connections, durationS });
      if (result.failed > 0) report.note(`${stored.toLocaleString("en-US")} stored: ${result.failed} writes failed.`);
      const where = `${connections} clients, ${stored.toLocaleString("en-US")} items stored`;
      report.add({
        what: `${where}: acknowledged items`,
        commander: formatRate(result.rps, " items/s"),
        baseline: formatRate(baselineRate, " writes/s"),
        ratio: formatRatio(result.rps, baselineRate),
        raw: { stored, commander: result.rps, baseline: baselineRate },
      });
      report.add({
        what: `${where}: time to acknowledge p50 / p99`,
        commander: formatPair(formatMs(result.latency.p50), formatMs(result.latency.p99)),
        baseline: formatPair(formatMs(baselineLatency[0]), formatMs(baselineLatency[1])),
        ratio: formatPair(formatRatio(result.latency.p50, baselineLatency[0]), formatRatio(result.latency.p99, baselineLatency[1])),
        raw: { stored, commander: [result.latency.p50, result.latency.p99], baseline: baselineLatency },
      });
      await daemon.kill();
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
