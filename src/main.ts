import { runCli } from "./cli/run-cli.js";

// The only place that touches argv and the exit code. No top-level await: the build bundles this into
// CommonJS (bin/run-bundle.js says why).
void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
