import { expect } from "chai";
import { CommanderError } from "../../src/domain/commander-error.js";
import {
  canTransition,
  EVENT_TRANSITIONS,
  PROJECT_TRANSITIONS,
  SESSION_TRANSITIONS,
  transition,
  WORK_TRANSITIONS,
} from "../../src/domain/transitions.js";

const TABLES = [
  { table: WORK_TRANSITIONS, states: ["queued", "in_progress", "blocked", "completed", "failed", "cancelled"] },
  { table: SESSION_TRANSITIONS, states: ["stopped", "starting", "idle", "busy", "waiting", "stopping", "error"] },
  { table: EVENT_TRANSITIONS, states: ["pending", "resolved", "dismissed"] },
  { table: PROJECT_TRANSITIONS, states: ["idle", "working", "blocked", "paused", "error"] },
] as const;

describe("state transition tables", () => {
  for (const { table, states } of TABLES) {
    describe(table.entity, () => {
      for (const [action, rule] of Object.entries(table.actions) as Array<[string, { from: readonly string[]; to: string }]>) {
        for (const state of states) {
          const allowed = rule.from.includes(state);
          it(`${allowed ? "allows" : "refuses"} ${action} from ${state}`, () => {
            const run = () => transition(table as never, "x-1", state as never, action as never);
            expect(canTransition(table as never, state as never, action as never)).to.equal(allowed);
            if (allowed) expect(run()).to.equal(rule.to);
            else {
              expect(run).to.throw(CommanderError).that.satisfies((error: CommanderError) => {
                expect(error.code).to.equal("FAILED_PRECONDITION");
                expect(error.reason).to.equal(table.reason);
                expect(error.message).to.include(`is ${state}`);
                return true;
              });
            }
          });
        }
      }
    });
  }
});
