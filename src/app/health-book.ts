import type { StoreProblem } from "../store/state-files.js";

export interface HealthProblemRecord extends StoreProblem {
  occurredAt: string;
}

/** Problems an operator should know of; health reads `degraded` until they are acknowledged. */
export class HealthBook {
  private problems: HealthProblemRecord[] = [];

  constructor(private readonly now: () => Date) {}

  report(problem: StoreProblem): void {
    // A disk that stays full fails every write (and every paced snapshot retry): one entry per cause, for
    // as long as it is unacknowledged, whatever else is reported in between.
    if (this.problems.some((known) => known.code === problem.code && known.message === problem.message)) return;
    this.problems.push({ ...problem, occurredAt: this.now().toISOString() });
  }

  get status(): "ok" | "degraded" {
    return this.problems.length === 0 ? "ok" : "degraded";
  }

  list(): HealthProblemRecord[] {
    return [...this.problems];
  }

  acknowledge(): HealthProblemRecord[] {
    const cleared = this.problems;
    this.problems = [];
    return cleared;
  }
}
