import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { createCliContext } from "./cli-context.js";
import { processCliIo, type CliIo } from "./cli-io.js";
import { addExamples } from "./command-helpers.js";
import { registerDaemonCommand } from "./commands/daemon-command.js";
import { registerEventsCommand } from "./commands/events-command.js";
import { registerHealthCommand } from "./commands/health-command.js";
import { registerNotifyCommand } from "./commands/notify-command.js";
import { registerInboxCommand } from "./commands/inbox-command.js";
import { registerPolicyCommand } from "./commands/policy-command.js";
import { registerProjectsCommand } from "./commands/projects-command.js";
import { registerSessionsCommand } from "./commands/sessions-command.js";
import { registerWatchCommand } from "./commands/watch-command.js";
import { registerWorkCommand } from "./commands/work-command.js";
import { describeError } from "./describe-error.js";
import { ExitCode } from "./exit-code.js";
import { defaultDaemonUrl } from "./resolve-daemon-target.js";
import { terminalText } from "./terminal-text.js";

/**
 * Runs the `commander` command line and resolves with its exit code: 0 success, 1 API error, 2 usage
 * error, 3 daemon unreachable (`daemon` resolves with the daemon's own exit code).
 */
export async function runCli(argv: string[], io: CliIo = processCliIo()): Promise<number> {
  const program = new Command("commander");
  const ctx = createCliContext(io, program);
  const daemon = { exitCode: ExitCode.ok as number };

  program
    .description("Run many AI coding agents across many projects, through the Commander daemon.")
    .version(packageVersion(), "-V, --version", "print the version")
    .option("--url <url>", `daemon URL (env COMMANDER_URL; else the daemon's host and port settings; default ${defaultDaemonUrl})`)
    .option("--token <token>", "API token (env COMMANDER_TOKEN, else the state directory's token file)")
    .option("--config <file>", "daemon config file, JSON (env COMMANDER_CONFIG)")
    .option("--state-dir <dir>", "daemon state directory (env COMMANDER_STATE_DIR)")
    .option("--no-color", "never colour the output (NO_COLOR is respected too)")
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .showSuggestionAfterError()
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      writeOut: (text) => void io.stdout.write(terminalText(text)),
      writeErr: (text) => void io.stderr.write(terminalText(text)),
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => io.stderr.columns ?? 100,
    });
  addExamples(
    program,
    "commander daemon &",
    "commander projects add . --name api",
    'commander work add project-3f2a9c81d0e4 "Set up the project structure" --priority high',
    "commander events resolve event-9b8a7c6d5e4f",
    "commander watch",
  );

  program.hook("preAction", () => ctx.locateDaemon());

  registerDaemonCommand(program, daemon);
  registerProjectsCommand(program, ctx);
  registerSessionsCommand(program, ctx);
  registerWorkCommand(program, ctx);
  registerEventsCommand(program, ctx);
  registerInboxCommand(program, ctx);
  registerPolicyCommand(program, ctx);
  registerWatchCommand(program, ctx);
  registerHealthCommand(program, ctx);
  registerNotifyCommand(program, ctx);

  try {
    await program.parseAsync(argv, { from: "user" });
    return daemon.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return commanderExitCode(err);
    const report = describeError(err, ctx.daemonUrl);
    // Error messages can quote what the daemon stored (an event's resolution, an agent's reason).
    io.stderr.write(`${terminalText(report.message)}\n`);
    return report.exitCode;
  }
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** Help and version requests succeed; every other parse failure, a bare group included, is a usage error. */
function commanderExitCode(err: CommanderError): number {
  if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return ExitCode.ok;
  return ExitCode.usage;
}
