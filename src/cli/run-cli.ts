import { Command, CommanderError } from "commander";
import { packageVersion } from "../config/package-root.js";
import { createCliContext } from "./cli-context.js";
import { processCliIo, type CliIo } from "./cli-io.js";
import { addExamples } from "./command-helpers.js";
import type { CliContext } from "./cli-context.js";
import type { DaemonCommandResult } from "./commands/daemon-command.js";
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

  try {
    const named = commandGroups.find((group) => group.names.includes(commandWord(argv) ?? ""));
    // Only the named command's modules are loaded: each group pulls in its own generated messages and views.
    for (const group of named === undefined ? commandGroups : [named]) await group.register(program, ctx, daemon);
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

type Register = (program: Command, ctx: CliContext, daemon: DaemonCommandResult) => Promise<void>;

/** Every top-level command, in help order, under the names (and aliases) that select it. */
const commandGroups: Array<{ names: string[]; register: Register }> = [
  { names: ["daemon"], register: async (p, _ctx, d) => (await import("./commands/daemon-command.js")).registerDaemonCommand(p, d) },
  { names: ["projects", "project"], register: async (p, ctx) => (await import("./commands/projects-command.js")).registerProjectsCommand(p, ctx) },
  { names: ["sessions", "session"], register: async (p, ctx) => (await import("./commands/sessions-command.js")).registerSessionsCommand(p, ctx) },
  { names: ["work"], register: async (p, ctx) => (await import("./commands/work-command.js")).registerWorkCommand(p, ctx) },
  { names: ["events", "event"], register: async (p, ctx) => (await import("./commands/events-command.js")).registerEventsCommand(p, ctx) },
  { names: ["inbox"], register: async (p, ctx) => (await import("./commands/inbox-command.js")).registerInboxCommand(p, ctx) },
  { names: ["policy"], register: async (p, ctx) => (await import("./commands/policy-command.js")).registerPolicyCommand(p, ctx) },
  { names: ["watch"], register: async (p, ctx) => (await import("./commands/watch-command.js")).registerWatchCommand(p, ctx) },
  { names: ["health"], register: async (p, ctx) => (await import("./commands/health-command.js")).registerHealthCommand(p, ctx) },
  { names: ["usage"], register: async (p, ctx) => (await import("./commands/usage-command.js")).registerUsageCommand(p, ctx) },
  { names: ["notify"], register: async (p, ctx) => (await import("./commands/notify-command.js")).registerNotifyCommand(p, ctx) },
];

/** Global options that take a value, so that their value is not taken for the command's name. */
const valueOptions = new Set(["--url", "--token", "--config", "--state-dir"]);

/** The first word of `argv` that is not a global option or its value: the command a user named, if any. */
function commandWord(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") return argv[i + 1];
    if (valueOptions.has(arg)) i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

/** Help and version requests succeed; every other parse failure, a bare group included, is a usage error. */
function commanderExitCode(err: CommanderError): number {
  if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return ExitCode.ok;
  return ExitCode.usage;
}
