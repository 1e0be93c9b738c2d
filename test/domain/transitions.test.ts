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

// The expected state machines, written out by hand from the product's rules (not read from the tables
// under test): "from -> action -> to". Every pair not listed here must be refused.
const EXPECTED = {
  work: {
    table: WORK_TRANSITIONS,
    states: ["queued", "in_progress", "blocked", "completed", "failed", "cancelled"],
    allowed: [
      "queued -> start -> in_progress",
      "in_progress -> block -> blocked",
      "blocked -> unblock -> in_progress",
      "in_progress -> requeue -> queued",
      "blocked -> requeue -> queued",
      "queued -> complete -> completed",
      "in_progress -> complete -> completed",
      "blocked -> complete -> completed",
      "queued -> fail -> failed",
      "in_progress -> fail -> failed",
      "blocked -> fail -> failed",
      "queued -> cancel -> cancelled",
      "in_progress -> cancel -> cancelled",
      "blocked -> cancel -> cancelled",
    ],
  },
  session: {
    table: SESSION_TRANSITIONS,
    states: ["stopped", "starting", "idle", "busy", "waiting", "stopping", "error"],
    allowed: [
      "stopped -> launch -> starting",
      "error -> launch -> starting",
      "starting -> ready -> idle",
      "busy -> ready -> idle",
      "waiting -> ready -> idle",
      "idle -> dispatch -> busy",
      "starting -> wait -> waiting",
      "idle -> wait -> waiting",
      "busy -> wait -> waiting",
      "waiting -> resume -> busy",
      "starting -> stop -> stopping",
      "idle -> stop -> stopping",
      "busy -> stop -> stopping",
      "waiting -> stop -> stopping",
      "error -> stop -> stopping",
      "stopping -> stopped -> stopped",
      "starting -> stopped -> stopped",
      "idle -> stopped -> stopped",
      "busy -> stopped -> stopped",
      "waiting -> stopped -> stopped",
      "error -> stopped -> stopped",
      "starting -> fail -> error",
      "idle -> fail -> error",
      "busy -> fail -> error",
      "waiting -> fail -> error",
      "stopping -> fail -> error",
    ],
  },
  event: {
    table: EVENT_TRANSITIONS,
    states: ["pending", "resolved", "dismissed"],
    allowed: ["pending -> resolve -> resolved", "pending -> dismiss -> dismissed"],
  },
  project: {
    table: PROJECT_TRANSITIONS,
    states: ["idle", "working", "blocked", "paused", "error"],
    allowed: [
      "idle -> pause -> paused",
      "working -> pause -> paused",
      "blocked -> pause -> paused",
      "error -> pause -> paused",
      "paused -> resume -> idle",
    ],
  },
} as const;

describe("state transition tables", () => {
  for (const [entity, { table, states, allowed }] of Object.entries(EXPECTED)) {
    describe(entity, () => {
      const expected = new Map<string, string>();
      for (const line of allowed) {
        const [from, action, to] = line.split(" -> ");
        expected.set(`${from} ${action}`, to);
      }
      const actions = [...new Set(allowed.map((line) => line.split(" -> ")[1]))];

      it("has exactly the expected actions", () => {
        expect(Object.keys(table.actions).sort()).to.deep.equal([...actions].sort());
      });

      for (const action of actions) {
        for (const state of states) {
          const to = expected.get(`${state} ${action}`);
          it(`${to ? `allows ${action} from ${state} to ${to}` : `refuses ${action} from ${state}`}`, () => {
            const run = () => transition(table as never, "x-1", state as never, action as never);
            expect(canTransition(table as never, state as never, action as never)).to.equal(to !== undefined);
            if (to) {
              expect(run()).to.equal(to);
              return;
            }
            expect(run).to.throw(CommanderError).that.satisfies((error: CommanderError) => {
              expect(error.code).to.equal("FAILED_PRECONDITION");
              expect(error.reason).to.equal(table.reason);
              expect(error.message).to.include(`is ${state}`);
              return true;
            });
          });
        }
      }
    });
  }
});
