import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { RuntimeCatalogue } from "../agents/runtimes/runtime-catalogue.js";
import { createRuntimeCatalogue } from "../agents/runtimes/runtime-catalogue.js";
import type { PaneWatcher } from "../agents/tmux/pane-watcher.js";
import { TmuxMissingError } from "../agents/tmux/tmux-errors.js";
import type { AgentSupervisor } from "../app/agent-supervisor.js";
import type { CommanderCore } from "../app/commander-core.js";
import type { Logger } from "../app/logger.js";
import type { ProjectPaths } from "../app/project-paths.js";
import type { DaemonConfig } from "../config/daemon-config.js";
import { decideAgentStart, STOPPED_BY_A_PERSON } from "../domain/agent-start-rules.js";
import { CommanderError } from "../domain/commander-error.js";
import { getProject } from "../domain/project-rules.js";
import type { SessionRecord } from "../domain/records.js";
import { createSession, findSession, moveSession, updateSession } from "../domain/session-rules.js";
import { nextBackoffEnd } from "../domain/next-backoff-end.js";
import type { AgentTmux } from "./create-agent-tmux.js";
import { toRuntimeSettings } from "./runtime-settings.js";
import { streamAgentOutput } from "./stream-agent-output.js";
import { SessionController } from "./session-controller.js";
import { parsePrices } from "../config/price-settings.js";
import { DEFAULT_PRICES } from "../domain/price-table.js";
import { TurnUsageMeter } from "../usage/turn-usage-meter.js";

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
 * Runs one agent per project in a private tmux server, starts agents when work arrives (auto-execution),
 * and routes hooks, screens, answers and exits to each session's controller.
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
  const pumpScheduled = new Set<string>();
  /** One wake-up per project for the earliest back-off (`notBefore`) of its queued work. */
  const backoffTimers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  let watcher: PaneWatcher | null = null;
  let watcherStarting: Promise<PaneWatcher> | null = null;
  let hookBaseUrl = "";
  let shuttingDown = false;
  let serverReset: Promise<void> | null = null;

  const controllerOfPane = (paneId: string) => [...controllers.values()].find((controller) => controller.paneId === paneId);

  async function ensureWatcher(): Promise<PaneWatcher> {
    // Agents left behind by a daemon that was killed cannot be re-adopted: their hooks and secrets are
    // gone. The private server is reset once, so a stale pane id can never address a foreign program.
    serverReset ??= driver.killServer().catch(() => undefined);
    await serverReset;
    if (watcher) return watcher;
    // Agents started together share one watcher: a second control client would read every pane twice.
    watcherStarting ??= startWatcher().finally(() => {
      watcherStarting = null;
    });
    return watcherStarting;
  }

  async function startWatcher(): Promise<PaneWatcher> {
    await driver.ensureServer();
    const created = tmux.createWatcher();
    created.on("output", (paneId, data) => controllerOfPane(paneId)?.onOutput(data));
    created.on("screen", (paneId, screen) => void controllerOfPane(paneId)?.onScreen(screen));
    created.on("exited", (exit) => {
      const controller = controllerOfPane(exit.paneId);
      if (controller) void controller.onExit(exit, created.screen(exit.paneId) ?? "");
    });
    created.on("error", (error) => logger.warn({ err: error }, "pane watcher error"));
    // The control client ended (the private tmux server died): every agent in it is gone with it, and the
    // next start needs a new watcher.
    created.on("closed", () => {
      if (watcher === created) watcher = null;
      for (const controller of [...controllers.values()]) {
        void controller.onExit({ paneId: controller.paneId, inspectable: false, exitStatus: null, exitSignal: null }, "");
      }
    });
    await created.start();
    watcher = created;
    return created;
  }

  function schedulePump(projectId: string): void {
    if (pumpScheduled.has(projectId) || shuttingDown || hookBaseUrl === "") return;
    pumpScheduled.add(projectId);
    setImmediate(() => {
      pumpScheduled.delete(projectId);
      void pump(projectId);
    });
  }

  /** Moves a project's work along: starts its agent if work waits (auto-execution), or hands it the next turn. */
  async function pump(projectId: string): Promise<void> {
    const project = core.state.projects.get(projectId);
    if (!project || project.state === "paused") return;
    wakeAfterBackoff(projectId);
    const controller = controllers.get(projectId);
    if (controller) {
      await controller.dispatchIfIdle();
      return;
    }
    if (starting.has(projectId)) return;
    const decision = decideAgentStart(core.state, projectId, lastFailure.get(projectId), Date.now());
    if (!decision.start) {
      if (decision.retryInMs !== null) setTimeout(() => schedulePump(projectId), decision.retryInMs).unref();
      return;
    }
    supervisor.start(projectId).catch((error: unknown) => logger.warn({ err: error, projectId }, "automatic start failed"));
  }

  /** Queued work held back by a back-off runs when it is over: the project is pumped again then. */
  function wakeAfterBackoff(projectId: string): void {
    const at = nextBackoffEnd(core.state, projectId, Date.now());
    const current = backoffTimers.get(projectId);
    if (current && current.at === at) return;
    if (current) clearTimeout(current.timer);
    backoffTimers.delete(projectId);
    if (at === null) return;
    const timer = setTimeout(() => {
      backoffTimers.delete(projectId);
      schedulePump(projectId);
    }, Math.max(0, at - Date.now()) + 10);
    timer.unref();
    backoffTimers.set(projectId, { at, timer });
  }

  core.changes.subscribe((change) => {
    if (change.kind !== "project_removed") schedulePump(change.projectId);
    // An item completed, failed or cancelled through the API frees the agent working on it.
    if (change.subject.type === "work_item" && ["completed", "failed", "cancelled"].includes(change.subject.record.state)) {
      void controllers.get(change.projectId)?.workClosed(change.subject.record.id);
    }
  });

  async function launch(projectId: string, abort: AbortSignal): Promise<SessionRecord> {
    const stoppedWhileStarting = () =>
      new CommanderError("SESSION_STATE_CONFLICT", `project ${projectId}'s session was stopped while its agent was starting`, {
        project_id: projectId,
      });
    const project = getProject(core.state, projectId);
    let session = core.state.sessionOfProject(projectId);
    if (!session) {
      const runtimeName = project.runtime;
      session = await core.mutate((ctx) => createSession(ctx, { projectId, runtime: runtimeName, agentSessionId: randomUUID() }), {
        internal: true,
      });
    }
    const runtime = catalogue.get(session.runtime);
    const sessionId = session.id;
    const resolvedPath = await paths.resolve(project.path);
    if (resolvedPath !== project.path) {
      throw new CommanderError("INVALID_PATH", `path: ${project.path} now resolves to ${resolvedPath}; register the project again`, {
        project_id: projectId,
      });
    }
    await closeDeadPane(projectId);
    const hookSecret = randomBytes(24).toString("hex");
    const settingsDir = join(config.stateDir, "sessions", sessionId);
    await mkdir(settingsDir, { recursive: true, mode: 0o700 });

    const resume = await runtime.canResume(session.agentSessionId);
    const pane = await ensureWatcher()
      .then(() =>
        runtime.prepareLaunch({
          agentSessionId: session!.agentSessionId,
          hookUrl: `${hookBaseUrl}/api/hooks/${sessionId}`,
          hookSecret,
          settingsDir,
          resume,
          // Per-project agent settings, read at each start (a change applies from the next one).
          permissionMode: project.permissionMode || undefined,
          model: project.model || undefined,
          permissionTimeoutSeconds: project.permissionTimeoutSeconds || undefined,
        }),
      )
      .then((plan) => driver.openWindow({ name: projectId, cwd: project.path, command: plan.command, env: plan.env }))
      .catch((error: unknown) => {
        if (error instanceof TmuxMissingError) {
          throw new CommanderError("RUNTIME_UNAVAILABLE", error.message, { project_id: projectId });
        }
        throw new CommanderError("RUNTIME_UNAVAILABLE", `cannot launch the ${runtime.name} runtime: ${(error as Error).message}`, {
          project_id: projectId,
        });
      });
    if (abort.aborted) {
      await driver.killWindow(pane.paneId).catch(() => undefined);
      throw stoppedWhileStarting();
    }

    await core.mutate(
      (ctx) =>
        moveSession(ctx, sessionId, "launch", {
          tmuxTarget: pane.paneId,
          pid: pane.panePid,
          stateReason: null,
          currentWorkId: null,
          startedAt: ctx.now,
        }),
      { internal: true },
    );

    let settle!: { resolve(record: SessionRecord): void; reject(error: unknown): void };
    const ready = new Promise<SessionRecord>((resolve, reject) => (settle = { resolve, reject }));
    // The agent may exit before anyone awaits `ready` (while the watcher attaches): that rejection is
    // handled below, not an unhandled one.
    ready.catch(() => undefined);
    const controller = new SessionController({
      core,
      driver,
      runtime,
      logger,
      sessionId,
      projectId,
      paneId: pane.paneId,
      hookSecret,
      usage: new TurnUsageMeter({
        core,
        logger,
        sessionId,
        projectId,
        projectPath: project.path,
        runtimeName: runtime.name,
        readsClaudeTranscript: runtime.name === "claude-code",
        prices,
      }),
      resumed: resume,
      stopReadingScreen: () => watcher?.readScreens(pane.paneId, false),
      readScreens: (enabled) => watcher?.readScreens(pane.paneId, enabled),
      onReady: () => {
        settle.resolve(core.state.sessions.get(sessionId)!);
        schedulePump(projectId);
      },
      // The agent waits for a human before it is ready: answer now rather than time out.
      onStartupQuestion: () => settle.resolve(core.state.sessions.get(sessionId)!),
      onExit: (reason, keptPane) => {
        controllers.delete(projectId);
        if (keptPane) deadPanes.set(projectId, pane.paneId);
        lastFailure.set(projectId, Date.now());
        settle.reject(new CommanderError("RUNTIME_UNAVAILABLE", `the ${runtime.name} agent did not start: ${reason}`, { project_id: projectId }));
        schedulePump(projectId);
      },
    });
    controllers.set(projectId, controller);
    await watcher!.watch(pane.paneId);
    logger.info({ projectId, sessionId, pane: pane.paneId, runtime: runtime.name }, "agent launched");

    const timer = setTimeout(() => {
      settle.reject(
        new CommanderError("SESSION_START_TIMEOUT", `the ${runtime.name} agent did not become ready within ${config.startTimeout} s`, {
          project_id: projectId,
        }),
      );
    }, config.startTimeout * 1000);
    const onAbort = () => settle.reject(stoppedWhileStarting());
    if (abort.aborted) onAbort();
    else abort.addEventListener("abort", onAbort, { once: true });
    try {
      return await ready;
    } catch (error) {
      if (controllers.get(projectId) === controller) {
        controllers.delete(projectId);
        if (abort.aborted) await controller.stop("the session was stopped", "stopped", STOPPED_BY_A_PERSON);
        else await controller.stop((error as Error).message, "error");
        lastFailure.set(projectId, Date.now());
      }
      throw error;
    } finally {
      clearTimeout(timer);
      abort.removeEventListener("abort", onAbort);
    }
  }

  async function closeDeadPane(projectId: string): Promise<void> {
    const paneId = deadPanes.get(projectId);
    if (paneId === undefined) return;
    deadPanes.delete(projectId);
    watcher?.unwatch(paneId);
    await driver.killWindow(paneId).catch(() => undefined);
  }

  const supervisor: AgentSupervisor = {
    async start(projectId) {
      getProject(core.state, projectId);
      if (shuttingDown) throw new CommanderError("SHUTTING_DOWN", "the daemon is shutting down");
      const inFlight = starting.get(projectId);
      if (inFlight) return inFlight;
      if (controllers.has(projectId)) return core.state.sessionOfProject(projectId)!;
      const abort = new AbortController();
      const started = launch(projectId, abort.signal).finally(() => {
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
      if (!controller || !watcher) {
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
      for (const { timer } of backoffTimers.values()) clearTimeout(timer);
      backoffTimers.clear();
      await Promise.allSettled([...starting.values()]);
      if (config.keepAgentsOnShutdown) {
        logger.info({ sessions: controllers.size }, "leaving agents running as configured");
      } else {
        await Promise.allSettled([...controllers.values()].map((controller) => controller.stop("the daemon shut down")));
        controllers.clear();
      }
      await watcher?.close().catch(() => undefined);
      if (!config.keepAgentsOnShutdown) await driver.killServer().catch(() => undefined);
    },
  };
  return supervisor;
}
