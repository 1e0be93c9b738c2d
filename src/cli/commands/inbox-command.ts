import type { Command } from "commander";
import { EventPriority, EventPrioritySchema } from "../../../gen/es/commander/v1/event_pb.js";
import { InboxMessageStateSchema } from "../../../gen/es/commander/v1/inbox_message_pb.js";
import { InboxService } from "../../../gen/es/commander/v1/inbox_service_pb.js";
import type { CliContext } from "../cli-context.js";
import { addExamples, addJsonOption, joinWords, parseNonNegativeInt, parsePositiveInt, printResponse } from "../command-helpers.js";
import { enumArgParser, enumWords } from "../enum-word.js";
import { inboxTable } from "../inbox-view.js";
import { followPages } from "../follow-pages.js";

export function registerInboxCommand(program: Command, ctx: CliContext): void {
  const inbox = addExamples(
    program.command("inbox").description("messages from you to a project's agent, delivered at its next turn"),
    'commander inbox send project-3f2a9c81d0e4 "Use pnpm, not npm"',
    "commander inbox list",
  );
  const methods = InboxService.method;

  addExamples(
    addJsonOption(
      inbox
        .command("send")
        .description("send a message to a project's agent")
        .argument("<project-id>")
        .argument("<content...>", "the message; quote it or let the remaining words form it")
        .option("-p, --priority <priority>", `one of ${enumWords(EventPrioritySchema).join(", ")}`, enumArgParser(EventPrioritySchema), EventPriority.NORMAL),
    ),
    'commander inbox send project-3f2a9c81d0e4 "User feedback: UI looks great!"',
    "commander inbox send project-3f2a9c81d0e4 Stop and run the tests --priority high",
  ).action(async (projectId: string, content: string[], opts: { priority: number; json?: boolean }) => {
    const res = await ctx.clients().of(InboxService).sendMessage({ projectId, content: joinWords(content), priority: opts.priority });
    printResponse(ctx, opts, methods.sendMessage, res, (res) => `Sent ${ctx.output.color.bold(res.message!.id)} to ${projectId}`);
  });

  addExamples(
    addJsonOption(
      inbox
        .command("list")
        .alias("ls")
        .description("list messages, most urgent first")
        .option("--project <project-id>", "only messages of this project")
        .option("-p, --priority <priority>", "only messages of this priority", enumArgParser(EventPrioritySchema))
        .option("-s, --state <state>", `only messages in this state: ${enumWords(InboxMessageStateSchema).join(", ")}`, enumArgParser(InboxMessageStateSchema))
        .option("--limit <n>", "show at most this many (default: all, fetched a page at a time)", parsePositiveInt)
        .option("--offset <n>", "skip this many first", parseNonNegativeInt),
    ),
    "commander inbox list --project project-3f2a9c81d0e4",
    "commander inbox list --state pending --json",
  ).action(async (opts: { project?: string; priority?: number; state?: number; limit?: number; offset?: number; json?: boolean }) => {
    const filter = { projectId: opts.project ?? "", priority: opts.priority ?? 0, state: opts.state ?? 0 };
    // The offset applies to the first page only; the token carries on from there.
    const res = await followPages(
      (page) => ctx.clients().of(InboxService).listInbox({ ...filter, ...page, offset: page.pageToken === "" ? (opts.offset ?? 0) : 0 }),
      (res) => res.messages,
      opts.limit,
    );
    printResponse(ctx, opts, methods.listInbox, res, (res) => {
      if (res.messages.length === 0) return "No messages.";
      const more = res.total > res.messages.length ? `\n${ctx.output.color.dim(`${res.messages.length} of ${res.total} shown`)}` : "";
      return inboxTable(res.messages, ctx.output, ctx.now()) + more;
    });
  });
}
