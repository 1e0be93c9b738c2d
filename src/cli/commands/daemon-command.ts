import { InvalidArgumentError, type Command } from "commander";
import { addExamples } from "../command-helpers.js";

/** The exit code of the daemon, once it has shut down. */
export interface DaemonCommandResult {
  exitCode: number;
}

export function registerDaemonCommand(program: Command, result: DaemonCommandResult): void {
  addExamples(
    program
      .command("daemon")
      .description("run the Commander daemon in the foreground until SIGTERM or Ctrl+C (uses the global --config and --state-dir)")
      .option("--host <host>", "address to listen on (default 127.0.0.1)")
      .option("--port <port>", "port to listen on, 0 for any free port (default 8765)", parsePort)
      .option("--log-level <level>", "trace, debug, info, warn or error (default info)")
      .option("--log-format <format>", "json, pretty, or auto: pretty on a terminal, JSON otherwise (default auto)"),
    "commander daemon",
    "commander daemon --port 9000 --log-level debug",
    "commander daemon --port 0 --state-dir /tmp/commander-state --config ./commander.json",
  ).action(async (opts: { host?: string; port?: number; logLevel?: string; logFormat?: string }, command: Command) => {
    const globals = command.optsWithGlobals<{ config?: string; stateDir?: string }>();
    // Loaded on demand, so client commands do not pay for the daemon's start-up imports.
    const { runDaemon } = await import("../../daemon/run-daemon.js");
    result.exitCode = await runDaemon({
      host: opts.host,
      port: opts.port,
      logLevel: opts.logLevel,
      logFormat: opts.logFormat,
      stateDir: globals.stateDir,
      config: globals.config,
    });
  });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError("expected a port number from 0 to 65535");
  return port;
}
