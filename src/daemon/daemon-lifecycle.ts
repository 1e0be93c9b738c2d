import type { Logger } from "../app/logger.js";

export type DaemonPhase = "starting" | "running" | "draining" | "stopped" | "failed";

/**
 * The phases the daemon may move to from each phase. `stopped` and `failed` are final: `failed` is a
 * start that could not complete (lock, token, port) or a shutdown that could not finish cleanly.
 */
export const DAEMON_PHASE_TRANSITIONS: Readonly<Record<DaemonPhase, readonly DaemonPhase[]>> = {
  starting: ["running", "failed"],
  running: ["draining", "failed"],
  draining: ["stopped", "failed"],
  stopped: [],
  failed: [],
};

/** The daemon's lifecycle as an explicit state, logged on every transition. */
export class DaemonLifecycle {
  private current: DaemonPhase = "starting";

  constructor(private readonly logger: Logger) {
    logger.info({ phase: this.current }, "daemon lifecycle");
  }

  get phase(): DaemonPhase {
    return this.current;
  }

  /** Moves to `phase`; a move the table does not list is a bug and throws, naming both phases. */
  moveTo(phase: DaemonPhase, details: Record<string, unknown> = {}): void {
    if (!DAEMON_PHASE_TRANSITIONS[this.current].includes(phase)) {
      throw new Error(`daemon lifecycle: cannot move from ${this.current} to ${phase}`);
    }
    const entry = { ...details, from: this.current, phase };
    if (phase === "failed") this.logger.error(entry, "daemon lifecycle");
    else this.logger.info(entry, "daemon lifecycle");
    this.current = phase;
  }
}
