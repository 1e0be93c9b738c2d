import type { Command } from "commander";
import { SessionStateSchema } from "../../../gen/es/commander/v1/session_pb.js";
import { SessionService } from "../../../gen/es/commander/v1/session_service_pb.js";
import type { CliContext } from "../cli-context.js";
import { addExamples, addJsonOption, parsePositiveInt, printResponse } from "../command-helpers.js";
import { followPages, moreNote } from "../follow-pages.js";
import { enumWord } from "../enum-word.js";
import { runAttachCommand } from "../run-attach-command.js";
import { sessionDetails, sessionTable } from "../session-view.js";
import { styleState } from "../style-state.js";
import { CommandFailedError, UsageError } from "../usage-error.js";

export function registerSessionsCommand(program: Command, ctx: CliContext): void {
  const sessions = addExamples(
    program.command("sessions").alias("session").description("start, stop and attach to the agent of a project"),
    "commander sessions start project-3f2a9c81d0e4",
    "commander sessions attach project-3f2a9c81d0e4",
  );
  const methods = SessionService.method;

  addExamples(
    addJsonOption(
      sessions
        .command("start")
        .description("launch the project's agent in a tmux pane and wait until it is ready")
        .argument("<project-id>"),
    ),
    "commander sessions start project-3f2a9c81d0e4",
  ).action(async (projectId: string, opts: { json?: boolean }) => {
    if (!opts.json && ctx.output.interactive) ctx.output.errorLine(ctx.output.errorColor.dim(`Starting the agent of ${projectId}…`));
    const res = await ctx.clients().of(SessionService).startSession({ projectId });
    printResponse(ctx, opts, methods.startSession, res, (res) => {
      const s = res.session!;
      const state = styleState(enumWord(SessionStateSchema, s.state), ctx.output.color);
      return `Started ${ctx.output.color.bold(s.id)} for ${projectId} (${state}); watch it with: commander sessions attach ${projectId}`;
    });
  });

  addExamples(
    addJsonOption(
      sessions
        .command("stop")
        .description("stop the project's agent (the item in progress goes back to the queue)")
        .argument("<project-id>"),
    ),
    "commander sessions stop project-3f2a9c81d0e4",
  ).action(async (projectId: string, opts: { json?: boolean }) => {
    const res = await ctx.clients().of(SessionService).stopSession({ projectId });
    printResponse(ctx, opts, methods.stopSession, res, (res) => {
      const state = styleState(enumWord(SessionStateSchema, res.session!.state), ctx.output.color);
      return `Stopped the session of ${projectId} (${state})`;
    });
  });

  addExamples(
    addJsonOption(
      sessions
        .command("status")
        .alias("list")
        .description("show the session of a project, or list every session")
        .argument("[project-id]")
        .option("--limit <n>", "without a project: show at most this many (default: all)", parsePositiveInt),
    ),
    "commander sessions status",
    "commander sessions status project-3f2a9c81d0e4 --json",
  ).action(async (projectId: string | undefined, opts: { limit?: number; json?: boolean }) => {
    if (projectId === undefined) {
      const res = await followPages((page) => ctx.clients().of(SessionService).listSessions(page), (res) => res.sessions, opts.limit);
      printResponse(ctx, opts, methods.listSessions, res, (res) =>
        res.sessions.length === 0
          ? "No sessions. Start one with: commander sessions start <project-id>"
          : sessionTable(res.sessions, ctx.output, ctx.now()) + moreNote(ctx, res),
      );
      return;
    }
    const res = await ctx.clients().of(SessionService).getSession({ projectId });
    printResponse(ctx, opts, methods.getSession, res, (res) => sessionDetails(res.session!, ctx.output, ctx.now()));
  });

  addExamples(
    sessions
      .command("attach")
      .description("open the agent's tmux pane in this terminal (detach with Ctrl+B D)")
      .argument("<project-id>")
      .option("--print", "print the attach command instead of running it"),
    "commander sessions attach project-3f2a9c81d0e4",
    "commander sessions attach project-3f2a9c81d0e4 --print",
  ).action(async (projectId: string, opts: { print?: boolean }) => {
    const { session } = await ctx.clients().of(SessionService).getSession({ projectId });
    if (!session?.attachCommand || !session.tmuxTarget) {
      throw new CommandFailedError(
        `the session of ${projectId} is not running; start it with: commander sessions start ${projectId}`,
      );
    }
    if (opts.print) {
      ctx.output.line(session.attachCommand);
      return;
    }
    if (ctx.io.stdin.isTTY !== true) {
      throw new UsageError(`attaching needs a terminal; run this instead: ${session.attachCommand}`);
    }
    const status = await runAttachCommand(session.attachCommand, ctx.io);
    if (status !== 0) throw new CommandFailedError(`the attach command exited with status ${status}: ${session.attachCommand}`);
  });
}
