import { connect, type Socket } from "node:net";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { benchDaemonEnv, registerProjects, startSectionDaemon, watcherLimits } from "../support/bench-projects.js";
import type { BenchSection } from "../support/bench-section.js";
import { formatCount, formatMiB, formatRatio } from "../support/format.js";
import { startHelper } from "../support/helper-process.js";
import { peakRssBytes, rssBytes } from "../support/proc-stats.js";

/**
 * The daemon's memory: idle, then with 500 watchers of `GET /api/changes` that never read (their sockets
 * paused, as a stuck or suspended client's are) while work items are added, and again once those
 * watchers are cut off. Baselines: a bare node:http server's idle memory, and the daemon's own idle memory.
 */
export const memorySection: BenchSection = {
  id: "memory",
  title: "Memory: idle, and watchers that never read",
  baseline: "for idle memory, a bare `node:http` server process; for the watchers, the same daemon idle before they came",
  async run(context) {
    const { settings, report, workspace, cleanup } = context;
    const { watchers, changes } = settings.memory;
    const config = join(workspace.root, "bare-idle.json");
    await writeFile(config, JSON.stringify({ routes: [] }));
    const bare = await startHelper([join(import.meta.dirname, "..", "support", "bare-http-server.mjs"), config]);
    cleanup.add("bare server", () => bare.stop());

    const daemon = await startSectionDaemon(context, "memory", benchDaemonEnv(watcherLimits(watchers)));
    // A project holds at most 1,000 unfinished items: the items are spread over enough projects.
    const projects = await registerProjects(context, daemon, { prefix: "mem", count: Math.ceil(changes / 900), paused: true });
    await daemon.call("GET", "/api/health");
    await settle(2);
    const idle = rssBytes(daemon.pid);
    const bareIdle = rssBytes(bare.pid);
    await bare.stop();
    report.add({
      what: "idle daemon, resident memory",
      commander: formatMiB(idle),
      baseline: formatMiB(bareIdle),
      ratio: formatRatio(idle, bareIdle),
      raw: { commander: idle, baseline: bareIdle },
    });

    const { port } = new URL(daemon.url);
    const sockets = await Promise.all(Array.from({ length: watchers }, () => stuckWatcher(Number(port), "/api/changes?kinds=work_changed")));
    cleanup.add("stuck watchers", () => sockets.forEach((socket) => socket.destroy()));
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < changes) {
          const index = next++;
          await daemon.call("POST", "/api/work", { project_id: projects[index % projects.length], content: `memory probe ${index}: ${"x".repeat(200)}` });
        }
      }),
    );
    await settle(1);
    const peak = peakRssBytes(daemon.pid);
    const held = rssBytes(daemon.pid);
    report.add({
      what: `${formatCount(watchers)} watchers that never read, ${formatCount(changes)} work items added: peak resident memory`,
      commander: formatMiB(peak),
      baseline: formatMiB(idle),
      ratio: formatRatio(peak, idle),
      raw: { commander: peak, baseline: idle, heldAfterWrites: held },
    });

    for (const socket of sockets) socket.destroy();
    // Memory goes back as the connections close and V8 shrinks the heap it grew, which it does on its own
    // once the daemon has been quiet for a while (its memory reducer): read it every second, up to a minute,
    // until it is within a quarter of the idle figure.
    const cutOff = performance.now();
    let after = rssBytes(daemon.pid);
    for (let waited = 0; waited < 60 && after > idle * 1.25; waited++) {
      await settle(1);
      after = rssBytes(daemon.pid);
    }
    const seconds = (performance.now() - cutOff) / 1000;
    await daemon.call("GET", "/api/health");
    report.add({
      what: "after those watchers are cut off: resident memory",
      commander: formatMiB(after),
      baseline: formatMiB(idle),
      ratio: formatRatio(after, idle),
      raw: { commander: after, baseline: idle, seconds },
    });
    report.note(
      `The resident set after the watchers were cut off was read ${Math.round(seconds)} s after they were, once within a quarter of the idle figure (or after a minute): V8 gives back the heap it grew for them by itself after the daemon has been quiet for a while, not at once.`,
    );
    report.note(
      `Each watcher is its own HTTP/1.1 connection whose socket is paused after the request is sent, so the kernel's buffers fill and the daemon's writes stop draining. While the watchers held their memory, the daemon's resident set was ${formatMiB(held)}. "Cut off" is the watchers' connections closing.`,
    );
  },
};

/** Opens a change watcher and never reads its answer. */
function stuckWatcher(port: number, path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\naccept: application/x-ndjson\r\n\r\n`);
      // Read the status line, then stop reading for good.
      socket.once("data", () => {
        socket.pause();
        resolve(socket);
      });
    });
    socket.once("error", reject);
  });
}

const settle = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
