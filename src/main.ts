import { runCli } from "./cli/run-cli.js";

// The only place that touches argv and the exit code.
process.exitCode = await runCli(process.argv.slice(2));
