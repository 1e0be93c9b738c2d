import type { StoreProblem } from "../store/state-files.js";

export interface HealthProblemRecord extends StoreProblem {
  occurredAt: string;
}

/** Problems an operator should know of; health reads `degraded` until they are acknowledged. */
export class HealthBook {
  private problems: HealthProblemRecord[] = [];

  constructor(private readonly now: () => Date) {}

  report(problem: StoreProblem): void {
    const last = this.problems[this.problems.length - 1];
    // A disk that stays full fails every write: one entry per cause is enough.
    if (last && last.code === problem.code && last.message === problem.message) return;
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
