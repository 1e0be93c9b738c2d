// Mocha's own summary ("N passing") is not what CI reads: after the usual spec output this prints one
// plain closing line, "N passed, N failed", as the very last line.
const { writeSync } = require("node:fs");
const Mocha = require("mocha");

const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    // Registered after the Spec reporter's own handler, so it follows its epilogue; written synchronously
    // because `--exit` ends the process right after the run.
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      writeSync(1, `${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ""}\n`);
    });
  }
}

module.exports = SummaryReporter;
