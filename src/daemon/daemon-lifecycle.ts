import type { Logger } from "pino";

export type DaemonPhase = "starting" | "running" | "draining" | "stopped";

/** The daemon's lifecycle as an explicit state, logged on every transition. */
export class DaemonLifecycle {
  private current: DaemonPhase = "starting";

  constructor(private readonly logger: Logger) {
    logger.info({ phase: this.current }, "daemon lifecycle");
  }

  get phase(): DaemonPhase {
    return this.current;
  }

  moveTo(phase: DaemonPhase, details: Record<string, unknown> = {}): void {
    if (phase === this.current) return;
    this.logger.info({ ...details, from: this.current, phase }, "daemon lifecycle");
    this.current = phase;
  }
}
