import { expect } from "chai";
import type { Logger } from "../../src/app/logger.js";
import { DaemonLifecycle, type DaemonPhase } from "../../src/daemon/daemon-lifecycle.js";

// Written out independently of DAEMON_PHASE_TRANSITIONS: every move not listed here is refused.
const ALLOWED = new Set([
  "starting -> running",
  "starting -> failed",
  "running -> draining",
  "running -> failed",
  "draining -> stopped",
  "draining -> failed",
]);
const PHASES: DaemonPhase[] = ["starting", "running", "draining", "stopped", "failed"];
// The shortest way to reach each phase from `starting`.
const PATH_TO: Record<DaemonPhase, DaemonPhase[]> = {
  starting: [],
  running: ["running"],
  draining: ["running", "draining"],
  stopped: ["running", "draining", "stopped"],
  failed: ["failed"],
};

function recordingLogger() {
  const lines: Array<{ level: string; details: Record<string, unknown> }> = [];
  const at = (level: string) => (details: object | string) => lines.push({ level, details: typeof details === "string" ? {} : (details as Record<string, unknown>) });
  const logger: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: () => logger };
  return { logger, lines };
}

describe("daemon lifecycle", () => {
  for (const from of PHASES) {
    for (const to of PHASES) {
      const allowed = ALLOWED.has(`${from} -> ${to}`);
      it(`${allowed ? "moves" : "refuses to move"} from ${from} to ${to}`, () => {
        const lifecycle = new DaemonLifecycle(recordingLogger().logger);
        for (const step of PATH_TO[from]) lifecycle.moveTo(step);
        expect(lifecycle.phase).to.equal(from);
        if (allowed) {
          lifecycle.moveTo(to);
          expect(lifecycle.phase).to.equal(to);
        } else {
          expect(() => lifecycle.moveTo(to)).to.throw(`cannot move from ${from} to ${to}`);
          expect(lifecycle.phase).to.equal(from);
        }
      });
    }
  }

  it("logs every transition with the phase it left, a failure at error level", () => {
    const { logger, lines } = recordingLogger();
    const lifecycle = new DaemonLifecycle(logger);
    lifecycle.moveTo("running", { port: 1 });
    lifecycle.moveTo("failed");
    expect(lines.map((line) => [line.level, line.details.from, line.details.phase])).to.deep.equal([
      ["info", undefined, "starting"],
      ["info", "starting", "running"],
      ["error", "running", "failed"],
    ]);
    expect(lines[1].details.port).to.equal(1);
  });
});
