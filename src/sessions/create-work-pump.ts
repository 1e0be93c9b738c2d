import type { CommanderCore } from "../app/commander-core.js";
import type { Logger } from "../app/logger.js";
import { decideAgentStart } from "../domain/agent-start-rules.js";
import { nextBackoffEnd } from "../domain/next-backoff-end.js";
import type { SessionRecord } from "../domain/records.js";
import type { SessionController } from "./session-controller.js";

export interface WorkPumpOptions {
  core: CommanderCore;
  logger: Logger;
  /** The running agents, by project. */
  controllers: ReadonlyMap<string, SessionController>;
  /** The starts in flight, by project. */
  starting: ReadonlyMap<string, Promise<SessionRecord>>;
  /** When each project's agent last failed (to start or while running), for the start back-off. */
  lastFailure: ReadonlyMap<string, number>;
  /** False until hooks can reach the daemon, and again once it shuts down: nothing is pumped then. */
  canRun(): boolean;
  /** Starts the project's agent (the supervisor's `start`). */
  start(projectId: string): Promise<SessionRecord>;
}

/** Auto-execution: moves each project's work along when something changed or a back-off ended. */
export interface WorkPump {
  /** Pumps the project once, soon (several calls in one tick pump it once). */
  schedule(projectId: string): void;
  /** Clears the back-off wake-ups (shutdown). */
  stop(): void;
}

export function createWorkPump({ core, logger, controllers, starting, lastFailure, canRun, start }: WorkPumpOptions): WorkPump {
  const pumpScheduled = new Set<string>();
  /** One wake-up per project for the earliest back-off (`notBefore`) of its queued work. */
  const backoffTimers = new Map<string, { at: number; timer: NodeJS.Timeout }>();

  function schedule(projectId: string): void {
    if (pumpScheduled.has(projectId) || !canRun()) return;
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
      if (decision.retryInMs !== null) setTimeout(() => schedule(projectId), decision.retryInMs).unref();
      return;
    }
    start(projectId).catch((error: unknown) => logger.warn({ err: error, projectId }, "automatic start failed"));
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
      schedule(projectId);
    }, Math.max(0, at - Date.now()) + 10);
    timer.unref();
    backoffTimers.set(projectId, { at, timer });
  }

  function stop(): void {
    for (const { timer } of backoffTimers.values()) clearTimeout(timer);
    backoffTimers.clear();
  }

  return { schedule, stop };
}
