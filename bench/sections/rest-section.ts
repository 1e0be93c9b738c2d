import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { addWorkItems, benchDaemonEnv, registerProjects, startSectionDaemon } from "../support/bench-projects.js";
import type { BenchSection } from "../support/bench-section.js";
import { startHelper } from "../support/helper-process.js";
import { alternate, runHttpLoad, type LoadRun } from "../support/http-load.js";

interface Target {
  label: string;
  method: "GET" | "POST";
  path: string;
  body?: string;
}

/**
 * REST throughput and latency of four typical calls, each at 1, 16 and 64 connections, against a bare
 * `node:http` server in its own process answering the same bytes: the ceiling of HTTP/1.1 on Node here.
 * Each figure alternates Commander and the baseline (two slices each in a full run), after a warm-up of each.
 */
export const restSection: BenchSection = {
  id: "rest",
  title: "REST throughput and latency",
  baseline:
    "a bare `node:http` server in its own process answering the same bytes (status, content type, body); for `POST /api/work` it first makes the body durable (append + fdatasync, concurrent requests grouped into one write)",
  async run(context) {
    const { settings, report, workspace, cleanup } = context;
    const { durationS, warmupS, connections } = settings.rest;
    const daemon = await startSectionDaemon(context, "rest", benchDaemonEnv({ COMMANDER_MAX_QUEUED_PER_PROJECT: "1000000" }));
    const projects = await registerProjects(context, daemon, { prefix: "rest", count: settings.rest.projects, paused: true });
    await addWorkItems(daemon, projects[0]!, settings.rest.workItems);
    const postBody = JSON.stringify({ project_id: projects[1], content: "benchmark work item: add a unit test for the parser", priority: "medium" });

    const targets: Target[] = [
      { label: "GET /api/health", method: "GET", path: "/api/health" },
      { label: `GET /api/projects (${projects.length} projects)`, method: "GET", path: "/api/projects" },
      { label: `GET /api/work?project_id=… (${settings.rest.workItems.toLocaleString("en-US")} items)`, method: "GET", path: `/api/work?project_id=${projects[0]}` },
      // Last: it adds items (to another, paused project), which the reads above would otherwise see.
      { label: "POST /api/work", method: "POST", path: "/api/work", body: postBody },
    ];

    // The baseline answers what the daemon answered, byte for byte.
    const routes = [];
    for (const target of targets) {
      const response = await fetch(daemon.url + target.path, {
        method: target.method,
        ...(target.body ? { body: target.body, headers: { "content-type": "application/json" } } : {}),
      });
      const body = Buffer.from(await response.arrayBuffer());
      if (!response.ok) throw new Error(`${target.label}: HTTP ${response.status} ${body.toString().slice(0, 200)}`);
      routes.push({
        method: target.method,
        path: target.path.split("?")[0],
        status: response.status,
        contentType: response.headers.get("content-type"),
        body: body.toString("base64"),
      });
      report.note(`${target.label} answers ${body.length.toLocaleString("en-US")} bytes of JSON.`);
    }
    const configFile = join(workspace.root, "bare-rest.json");
    // POST /api/work is acknowledged once it is on disk: its baseline makes each body durable too (append and
    // fdatasync, concurrent requests grouped into one write, as the daemon's journal does).
    await writeFile(configFile, JSON.stringify({ routes, journal: join(workspace.root, "bare-rest-journal.ndjson") }));
    const bare = await startHelper([join(import.meta.dirname, "..", "support", "bare-http-server.mjs"), configFile]);
    cleanup.add("bare http server", () => bare.stop());
    const bareUrl = `http://127.0.0.1:${bare.port}`;

    for (const target of targets) {
      const load = (base: string, conns: number) => (seconds: number): Promise<LoadRun> =>
        runHttpLoad({ url: base + target.path, method: target.method, body: target.body, connections: conns, durationS: seconds });
      await load(daemon.url, 16)(warmupS);
      await load(bareUrl, 16)(warmupS);
      for (const conns of connections) {
        const { commander, baseline } = await alternate(load(daemon.url, conns), load(bareUrl, conns), durationS, settings.slices);
        const where = `${target.label}, ${conns} conn${conns === 1 ? "" : "s"}`;
        report.addLoad(where, " req/s", commander, baseline);
      }
    }
    report.note(
      "The load generator is one Node process on the same cores: where the baseline's rate stops growing with more connections (the large list above all), that is the client's limit, not the server's.",
    );
    report.note(
      `The ${projects.length} projects are paused, so POST /api/work only queues items: it measures the API and the durable journal write (fsync), not an agent.`,
    );
  },
};
