import { CommanderState, StateTransaction } from "../../src/domain/commander-state.js";
import { DEFAULT_LIMITS, type DomainContext, type DomainLimits } from "../../src/domain/domain-context.js";

/** An in-memory state with a clock that advances one second per rule, so ordering by age is exact. */
export function createDomainFixture(limits: Partial<DomainLimits> = {}) {
  const state = new CommanderState();
  let clock = Date.parse("2026-01-01T00:00:00Z");
  let counter = 0;
  const run = <T>(rule: (ctx: DomainContext) => T): T => {
    clock += 1000;
    const tx = new StateTransaction(state, new Date(clock).toISOString());
    try {
      return rule({ state, tx, now: tx.now, newId: (prefix) => `${prefix}-${++counter}`, limits: { ...DEFAULT_LIMITS, ...limits } });
    } catch (error) {
      tx.rollback();
      throw error;
    }
  };
  return { state, run };
}
