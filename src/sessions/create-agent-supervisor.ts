import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { RuntimeCatalogue } from "../agents/runtimes/runtime-catalogue.js";
import { createRuntimeCatalogue } from "../agents/runtimes/runtime-catalogue.js";
import type { AgentSupervisor } from "../app/agent-supervisor.js";
import type { CommanderCore } from "../app/commander-core.js";
import type { Logger } from "../app/logger.js";
import type { ProjectPaths } from "../app/project-paths.js";
import { parsePrices } from "../config/price-settings.js";
import type { DaemonConfig } from "../config/daemon-config.js";
import { STOPPED_BY_A_PERSON } from "../domain/agent-start-rules.js";
import { CommanderError } from "../domain/commander-error.js";
import { DEFAULT_PRICES } from "../domain/price-table.js";
import { getProject } from "../domain/project-rules.js";
import type { SessionRecord } from "../domain/records.js";
import { findSession, moveSession, updateSession } from "../domain/session-rules.js";
import type { AgentTmux } from "./create-agent-tmux.js";
import { createSharedWatcher } from "./create-shared-watcher.js";
import { createWorkPump } from "./create-work-pump.js";
import { launchAgent } from "./launch-agent.js";
import { toRuntimeSettings } from "./runtime-settings.js";
import type { SessionController } from "./session-controller.js";
import { streamAgentOutput } from "./stream-agent-output.js";

/** The runtimes a project or session may name: those of the runtime catalogue. */
export const KNOWN_RUNTIMES: readonly string[] = createRuntimeCatalogue().list().map((runtime) => runtime.name);

export interface AgentSupervisorOptions {
  core: CommanderCore;
  config: DaemonConfig;
  logger: Logger;
  /** The private tmux server the agents run in (see create-agent-tmux.ts). */
  tmux: AgentTmux;
  /** Checked again at every launch: a directory swapped for a symlink since registration is refused. */
  paths: ProjectPaths;
}

/**
 * Runs one agent per project in a private tmux server, starts agents when work arrives (auto-execution,
 * create-work-pump.ts), and routes hooks, screens (create-shared-watcher.ts), answers and exits to each
 * session's controller; one agent's launch is launch-agent.ts.
 */
export function createAgentSupervisor({ core, config, logger, paths, tmux }: AgentSupervisorOptions): AgentSupervisor {
  const catalogue: RuntimeCatalogue = createRuntimeCatalogue(toRuntimeSettings(config));
  const parsedPrices = parsePrices(config.prices);
  const prices = "table" in parsedPrices ? parsedPrices.table : DEFAULT_PRICES;
  const driver = tmux.driver;
  const controllers = new Map<string, SessionController>();
  const starting = new Map<string, Promise<SessionRecord>>();
  /** Cancels a start in progress: a stop (or an unregistration) does not wait for the agent to be ready. */
  const startAborts = new Map<string, AbortController>();
  const lastFailure = new Map<string, number>();
  /** The pane of each project's agent that died, kept for inspection until the next start. */
  const deadPanes = new Map<string, string>();
  let hookBaseUrl = "";
  let shuttingDown = false;

  const watcher = createSharedWatcher({ tmux, logger, controllers });
  const pump = createWorkPump({
    core,
    logger,
    controllers,
    starting,
    lastFailure,
    canRun: () => !shuttingDown && hookBaseUrl !== "",
    start: (projectId) => supervisor.start(projectId),
  });
  const schedulePump = (projectId: string) => pump.schedule(projectId);

  core.changes.subscribe((change) => {
    if (change.kind !== "project_removed") schedulePump(change.projectId);
    // An item completed, failed or cancelled through the API frees the agent working on it.
    if (change.subject.type === "work_item" && ["completed", "failed", "cancelled"].includes(change.subject.record.state)) {
      void controllers.get(change.projectId)?.workClosed(change.subject.record.id);
    }
  });

  async function closeDeadPane(projectId: string): Promise<void> {
    const paneId = deadPanes.get(projectId);
    if (paneId === undefined) return;
    deadPanes.delete(projectId);
    watcher.current()?.unwatch(paneId);
    await driver.killWindow(paneId).catch(() => undefined);
  }

  const launchOptions = {
    core,
    config,
    logger,
    paths,
    catalogue,
    driver,
    watcher,
    prices,
    controllers,
    deadPanes,
    lastFailure,
    hookBaseUrl: () => hookBaseUrl,
    schedulePump,
    closeDeadPane,
  };

  const supervisor: AgentSupervisor = {
    async start(projectId) {
      getProject(core.state, projectId);
      if (shuttingDown) throw new CommanderError("SHUTTING_DOWN", "the daemon is shutting down");
      const inFlight = starting.get(projectId);
      if (inFlight) return inFlight;
      if (controllers.has(projectId)) return core.state.sessionOfProject(projectId)!;
      const abort = new AbortController();
      const started = launchAgent(launchOptions, projectId, abort.signal).finally(() => {
        starting.delete(projectId);
        startAborts.delete(projectId);
        // A pump that ran while this start was in flight (an agent that exited during its start) did
        // nothing; decide again now, so a failed start is retried after its back-off.
        schedulePump(projectId);
      });
      starting.set(projectId, started);
      startAborts.set(projectId, abort);
      return started;
    },

    async stop(projectId) {
      // An agent still starting is stopped too (in every state), without waiting for it to become ready.
      startAborts.get(projectId)?.abort();
      await starting.get(projectId)?.catch(() => undefined);
      const controller = controllers.get(projectId);
      if (controller) {
        controllers.delete(projectId);
        await controller.stop("the session was stopped", "stopped", STOPPED_BY_A_PERSON);
      } else {
        await closeDeadPane(projectId);
      }
      // Stopped by a person: auto-execution leaves it stopped until a person starts it (agent-start-rules.ts).
      const session = core.state.sessionOfProject(projectId);
      if (session) {
        await core.mutate(
          (ctx) =>
            session.state === "stopped"
              ? updateSession(ctx, session.id, { stateReason: STOPPED_BY_A_PERSON })
              : moveSession(ctx, session.id, "stopped", { stateReason: STOPPED_BY_A_PERSON, tmuxTarget: "", pid: 0 }),
          { internal: true },
        );
      }
      return findSession(core.state, projectId);
    },

    async release(projectId) {
      if (controllers.has(projectId) || starting.has(projectId)) await supervisor.stop(projectId);
      await closeDeadPane(projectId);
      const session = core.state.sessionOfProject(projectId);
      if (session) await rm(join(config.stateDir, "sessions", session.id), { recursive: true, force: true });
    },

    async deliverResolution(event) {
      const controller = controllers.get(event.projectId);
      const delivered = controller ? await controller.deliver(event) : false;
      schedulePump(event.projectId);
      return delivered;
    },

    async handleHook(sessionId, authorization, payload, signal) {
      const controller = [...controllers.values()].find((candidate) => candidate.sessionId === sessionId);
      // Only the running session's own secret is accepted, and only for that session.
      if (!controller || !controller.authenticates(authorization)) {
        throw new CommanderError("UNAUTHENTICATED", "unauthenticated");
      }
      if (typeof payload.hook_event_name !== "string") {
        throw new CommanderError("INVALID_ARGUMENT", "payload: hook_event_name must be a string", { field: "payload" });
      }
      return controller.handleHook(payload, signal);
    },

    attachCommand(session) {
      return session.tmuxTarget === "" ? "" : driver.attachCommand(session.tmuxTarget);
    },

    async *watchOutput(projectId, signal) {
      const controller = controllers.get(projectId);
      if (!controller || !watcher.current()) {
        throw new CommanderError("SESSION_NOT_FOUND", `project ${projectId} has no running session`, { project_id: projectId });
      }
      yield* streamAgentOutput({ core, driver, controller, projectId, signal, isCurrent: () => controllers.get(projectId) === controller });
    },

    onListening(baseUrl) {
      hookBaseUrl = baseUrl;
      for (const projectId of core.state.projects.keys()) schedulePump(projectId);
    },

    async shutdown() {
      shuttingDown = true;
      pump.stop();
      await Promise.allSettled([...starting.values()]);
      if (config.keepAgentsOnShutdown) {
        logger.info({ sessions: controllers.size }, "leaving agents running as configured");
      } else {
        await Promise.allSettled([...controllers.values()].map((controller) => controller.stop("the daemon shut down")));
        controllers.clear();
      }
      await watcher.current()?.close().catch(() => undefined);
      if (!config.keepAgentsOnShutdown) await driver.killServer().catch(() => undefined);
    },
  };
  return supervisor;
}
