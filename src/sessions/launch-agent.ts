import { randomBytes, randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { RuntimeCatalogue } from "../agents/runtimes/runtime-catalogue.js";
import type { TmuxDriver } from "../agents/tmux/tmux-driver.js";
import { TmuxMissingError } from "../agents/tmux/tmux-errors.js";
import type { CommanderCore } from "../app/commander-core.js";
import type { Logger } from "../app/logger.js";
import type { ProjectPaths } from "../app/project-paths.js";
import type { DaemonConfig } from "../config/daemon-config.js";
import { STOPPED_BY_A_PERSON } from "../domain/agent-start-rules.js";
import { CommanderError } from "../domain/commander-error.js";
import type { PriceTable } from "../domain/price-table.js";
import { getProject } from "../domain/project-rules.js";
import type { SessionRecord } from "../domain/records.js";
import { createSession, moveSession } from "../domain/session-rules.js";
import { TurnUsageMeter } from "../usage/turn-usage-meter.js";
import type { SharedWatcher } from "./create-shared-watcher.js";
import { SessionController } from "./session-controller.js";

/** What a launch needs from the supervisor: its parts, and the per-project tables it shares with it. */
export interface LaunchAgentOptions {
  core: CommanderCore;
  config: DaemonConfig;
  logger: Logger;
  paths: ProjectPaths;
  catalogue: RuntimeCatalogue;
  driver: TmuxDriver;
  watcher: SharedWatcher;
  prices: PriceTable;
  /** The running agents, by project: the launch adds its controller, its exit removes it. */
  controllers: Map<string, SessionController>;
  /** The pane of each project's agent that died, kept for inspection until the next start. */
  deadPanes: Map<string, string>;
  /** When each project's agent last failed, for the start back-off (agent-start-rules.ts). */
  lastFailure: Map<string, number>;
  /** The daemon's base URL, where the agent's hooks POST. */
  hookBaseUrl(): string;
  schedulePump(projectId: string): void;
  closeDeadPane(projectId: string): Promise<void>;
}

/**
 * Launches one project's agent: prepares its runtime, opens its tmux window, creates its controller, and
 * resolves once the agent is ready (or asks a start-up question); rejects on its exit, the start timeout
 * or `abort` (a stop), after stopping what was started.
 */
export async function launchAgent(options: LaunchAgentOptions, projectId: string, abort: AbortSignal): Promise<SessionRecord> {
  const { core, config, logger, paths, catalogue, driver, watcher, controllers, deadPanes, lastFailure, schedulePump } = options;
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
  await options.closeDeadPane(projectId);
  const hookSecret = randomBytes(24).toString("hex");
  const settingsDir = join(config.stateDir, "sessions", sessionId);
  await mkdir(settingsDir, { recursive: true, mode: 0o700 });

  const resume = await runtime.canResume(session.agentSessionId);
  const pane = await watcher
    .ensure()
    .then(() =>
      runtime.prepareLaunch({
        agentSessionId: session!.agentSessionId,
        hookUrl: `${options.hookBaseUrl()}/api/hooks/${sessionId}`,
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
      prices: options.prices,
    }),
    resumed: resume,
    stopReadingScreen: () => watcher.current()?.readScreens(pane.paneId, false),
    readScreens: (enabled) => watcher.current()?.readScreens(pane.paneId, enabled),
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
  await watcher.current()!.watch(pane.paneId);
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
