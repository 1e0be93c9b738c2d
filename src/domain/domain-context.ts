import type { CommanderState, StateTransaction } from "./commander-state.js";

export interface DomainLimits {
  maxProjects: number;
  maxUnfinishedWorkPerProject: number;
  maxContentBytes: number;
}

export const DEFAULT_LIMITS: DomainLimits = {
  maxProjects: 10,
  maxUnfinishedWorkPerProject: 1000,
  maxContentBytes: 64 * 1024,
};

/** What every rule needs: the state, the transaction collecting its changes, the time and fresh ids. */
export interface DomainContext {
  state: CommanderState;
  tx: StateTransaction;
  now: string;
  newId(prefix: string): string;
  limits: DomainLimits;
}
