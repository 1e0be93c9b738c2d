import { join } from "node:path";
import { REPO_ROOT, startBenchDaemon, type BenchDaemon } from "./bench-daemon.js";
import type { SectionContext } from "./bench-section.js";

export const FAKE_AGENT = join(REPO_ROOT, "test", "support", "fake-agent.mjs");

/**
 * Settings every benchmark daemon gets: the `shell` runtime running the test suite's fake agent (so no
 * real coding agent is ever started by accident), and limits raised to what the section needs.
 */
export function benchDaemonEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    COMMANDER_DEFAULT_RUNTIME: "shell",
    COMMANDER_RUNTIMES: JSON.stringify({ shell: { command: [process.execPath, FAKE_AGENT] } }),
    ...overrides,
  };
}

/**
 * The limits a section with `watchers` streams from one client (the benchmark process) raises: streams per
 * client, and connections in all and per client (each watcher has its own connection).
 */
export function watcherLimits(watchers: number): Record<string, string> {
  const limit = String(watchers + 100);
  return { COMMANDER_MAX_STREAMS_PER_CLIENT: limit, COMMANDER_MAX_CONNECTIONS: limit, COMMANDER_MAX_CONNECTIONS_PER_CLIENT: limit };
}

/** Starts a daemon in a new state directory of the workspace; it is killed when the section ends. */
export async function startSectionDaemon(
  context: SectionContext,
  name: string,
  env: Record<string, string>,
  stateDir?: string,
): Promise<BenchDaemon> {
  const daemon = await startBenchDaemon({
    stateDir: stateDir ?? (await context.workspace.dir(`${name}-state`)),
    configFile: context.workspace.emptyConfig,
    env,
  });
  context.cleanup.add(`daemon ${name}`, () => daemon.kill());
  return daemon;
}

/** Registers `count` projects with ids `<prefix>-01`...; paused ones keep their work queued (no agent starts). */
export async function registerProjects(
  context: SectionContext,
  daemon: BenchDaemon,
  { prefix, count, paused, runtime }: { prefix: string; count: number; paused: boolean; runtime?: string },
): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 1; index <= count; index++) {
    const id = `${prefix}-${String(index).padStart(2, "0")}`;
    const path = await context.workspace.dir(`projects/${id}`);
    await daemon.call("POST", "/api/projects", { path, project_id: id, name: id, ...(runtime ? { runtime } : {}) });
    if (paused) await daemon.call("POST", `/api/projects/${id}/pause`, {});
    ids.push(id);
  }
  return ids;
}

/** Adds `count` work items to a project, `parallel` requests at a time. */
export async function addWorkItems(daemon: BenchDaemon, projectId: string, count: number, parallel = 16): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await daemon.call("POST", "/api/work", { project_id: projectId, content: `stored item ${index}: refactor module ${index % 97}` });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}
