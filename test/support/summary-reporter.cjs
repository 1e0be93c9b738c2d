// Mocha's own summary ("N passing") is not what CI reads: after the usual spec output this prints one
// plain closing line, "N passed, N failed", as the very last line.
const Mocha = require("mocha");

const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      // Deferred so it follows the Spec reporter's epilogue.
      setImmediate(() => {
        process.stdout.write(`${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ""}\n`);
      });
    });
  }
}

module.exports = SummaryReporter;
