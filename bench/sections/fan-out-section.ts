import { request, type ClientRequest } from "node:http";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { benchDaemonEnv, registerProjects, startSectionDaemon, watcherLimits } from "../support/bench-projects.js";
import type { BenchSection } from "../support/bench-section.js";
import { formatCount, formatMs, formatPair, formatRatio } from "../support/format.js";
import { startHelper } from "../support/helper-process.js";
import { median, msBetween, percentile } from "../support/stats.js";

interface Crowd {
  /** Sends the event with `send` and resolves with each watcher's delay after the send, in ms. */
  deliver(marker: string, send: () => Promise<void>): Promise<number[]>;
  close(): void;
}

/**
 * 1,000 watchers, each on its own HTTP/1.1 connection to `GET /api/changes` (NDJSON), then one work item
 * added: the time from sending `POST /api/work` until every watcher has the line. The baseline is a bare
 * relay holding the same number of NDJSON responses, writing each POST (after an fdatasync) to all of them.
 */
export const fanOutSection: BenchSection = {
  id: "fanout",
  title: "Fan-out to watchers",
  baseline: "a bare `node:http` relay in its own process holding as many NDJSON streams, writing each POST (after an append + fdatasync) to all of them",
  async run(context) {
    const { settings, report, workspace, cleanup } = context;
    const { watchers, events } = settings.fanOut;
    const daemon = await startSectionDaemon(context, "fanout", benchDaemonEnv(watcherLimits(watchers)));
    const [projectId] = await registerProjects(context, daemon, { prefix: "fan", count: 1, paused: true });
    const post = (base: string, marker: string) => async () => {
      const response = await fetch(`${base}/api/work`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ project_id: projectId, content: marker }),
      });
      const text = await response.text();
      if (response.status !== 201) throw new Error(`POST /api/work: HTTP ${response.status} ${text.slice(0, 200)}`);
    };
    const sample = await fetch(`${daemon.url}/api/work`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ project_id: projectId, content: "fan-out probe warm-up" }),
    });
    const answer = Buffer.from(await sample.arrayBuffer());

    const measure = async (base: string, path: string) => {
      const crowd = await openCrowd(base + path, watchers);
      cleanup.add("watchers", () => crowd.close());
      const all: number[] = [];
      const half: number[] = [];
      for (let index = 0; index < events + 1; index++) {
        const marker = `fan-out probe ${index} ${Math.random().toString(36).slice(2)}`;
        const delays = (await crowd.deliver(marker, post(base, marker))).sort((a, b) => a - b);
        if (index === 0) continue; // warm-up
        all.push(delays[delays.length - 1]!);
        half.push(percentile(delays, 50));
      }
      crowd.close();
      return { all, half };
    };
    const commander = await measure(daemon.url, `/api/changes?project_id=${projectId}&kinds=work_changed`);

    const relayConfig = join(workspace.root, "bare-fanout.json");
    await writeFile(
      relayConfig,
      JSON.stringify({
        routes: [{ method: "POST", path: "/api/work", status: 201, contentType: sample.headers.get("content-type"), body: answer.toString("base64") }],
        journal: join(await workspace.dir("bare-fanout"), "journal.jsonl"),
        stream: "/api/changes",
      }),
    );
    const relay = await startHelper([join(import.meta.dirname, "..", "support", "bare-http-server.mjs"), relayConfig]);
    cleanup.add("bare relay", () => relay.stop());
    const baseline = await measure(`http://127.0.0.1:${relay.port}`, "/api/changes");

    const count = formatCount(watchers);
    report.add({
      what: `${count} watchers: time until all have the event (median / worst of ${events})`,
      commander: formatPair(formatMs(median(commander.all)), formatMs(Math.max(...commander.all))),
      baseline: formatPair(formatMs(median(baseline.all)), formatMs(Math.max(...baseline.all))),
      ratio: formatPair(formatRatio(median(commander.all), median(baseline.all)), formatRatio(Math.max(...commander.all), Math.max(...baseline.all))),
      raw: { watchers, commander: commander.all, baseline: baseline.all },
    });
    report.add({
      what: `${count} watchers: time until half have it (median of ${events})`,
      commander: formatMs(median(commander.half)),
      baseline: formatMs(median(baseline.half)),
      ratio: formatRatio(median(commander.half), median(baseline.half)),
      raw: { watchers, commander: commander.half, baseline: baseline.half },
    });
    report.note(
      `Every watcher has its own connection from the benchmark process, which also parses what they receive, for both servers alike. The change each watcher gets is the work item's \`work_changed\` line (about ${formatCount(answer.length + 120)} bytes).`,
    );
  },
};

async function openCrowd(url: string, size: number): Promise<Crowd> {
  const requests: ClientRequest[] = [];
  let current: { marker: string; tails: string[]; arrivals: Array<bigint | null>; remaining: number; done(): void } | null = null;
  const open = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const req = request(url, { agent: false }, (response) => {
        if (response.statusCode !== 200) return reject(new Error(`watcher ${index}: HTTP ${response.statusCode}`));
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          const round = current;
          if (!round || round.arrivals[index] !== null) return;
          const text = round.tails[index] + chunk;
          if (text.includes(round.marker)) {
            round.arrivals[index] = process.hrtime.bigint();
            if (--round.remaining === 0) round.done();
          } else round.tails[index] = text.slice(-round.marker.length);
        });
        resolve();
      });
      req.on("error", (error) => reject(error));
      req.end();
      requests.push(req);
    });
  // In batches, so the listen backlog is never the limit.
  for (let start = 0; start < size; start += 100) {
    await Promise.all(Array.from({ length: Math.min(100, size - start) }, (_, offset) => open(start + offset)));
  }
  return {
    async deliver(marker, send) {
      const finished = new Promise<void>((resolve) => {
        current = { marker, tails: new Array(size).fill(""), arrivals: new Array(size).fill(null), remaining: size, done: resolve };
      });
      const round = current!;
      const sentAt = process.hrtime.bigint();
      await send();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        finished,
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${size - round.remaining} of ${size} watchers got the event within 30 s`)), 30_000))),
      ]).finally(() => clearTimeout(timer));
      current = null;
      return round.arrivals.map((at) => msBetween(sentAt, at!));
    },
    close() {
      for (const req of requests) req.destroy();
      requests.length = 0;
    },
  };
}
