import type { Command } from "commander";
import { WorkPriority, WorkPrioritySchema, WorkStateSchema } from "../../../gen/es/commander/v1/work_item_pb.js";
import { WorkService } from "../../../gen/es/commander/v1/work_service_pb.js";
import type { CliContext } from "../cli-context.js";
import { addExamples, addJsonOption, joinWords, parsePositiveInt, printResponse } from "../command-helpers.js";
import { followPages, moreNote } from "../follow-pages.js";
import { UsageService } from "../../../gen/es/commander/v1/usage_service_pb.js";
import { diffView, transcriptView } from "../usage-view.js";
import { enumArgParser, enumWord, enumWords } from "../enum-word.js";
import { styleState } from "../style-state.js";
import { workDetails, workTable } from "../work-view.js";

export function registerWorkCommand(program: Command, ctx: CliContext): void {
  const work = addExamples(
    program.command("work").description("the prioritized work queue of each project"),
    'commander work add project-3f2a9c81d0e4 "Implement feature X" --priority high',
    "commander work list --state queued",
  );
  const methods = WorkService.method;

  addExamples(
    addJsonOption(
      work
        .command("add")
        .description("queue a prompt for a project's agent (starts its session if needed)")
        .argument("<project-id>")
        .argument("<content...>", "the prompt; quote it or let the remaining words form it")
        .option("-p, --priority <priority>", `one of ${enumWords(WorkPrioritySchema).join(", ")}`, enumArgParser(WorkPrioritySchema), WorkPriority.MEDIUM)
        .option("-d, --depends-on <work-id...>", "items of the same project that must complete first"),
    ),
    'commander work add project-3f2a9c81d0e4 "Set up the project structure" --priority high',
    "commander work add project-3f2a9c81d0e4 Write the tests --depends-on work-0a1b2c3d4e5f",
  ).action(async (projectId: string, content: string[], opts: { priority: number; dependsOn?: string[]; json?: boolean }) => {
    const res = await ctx.clients().of(WorkService).addWork({
      projectId,
      content: joinWords(content),
      priority: opts.priority,
      dependsOn: splitIds(opts.dependsOn),
    });
    printResponse(ctx, opts, methods.addWork, res, (res) => {
      const w = res.workItem!;
      const priority = styleState(enumWord(WorkPrioritySchema, w.priority), ctx.output.color);
      return `Queued ${ctx.output.color.bold(w.id)} for ${w.projectId} (${priority})`;
    });
  });

  addExamples(
    addJsonOption(
      work
        .command("list")
        .alias("ls")
        .description("list work items in dispatch order")
        .option("--project <project-id>", "only items of this project")
        .option("-s, --state <state>", `only items in this state: ${enumWords(WorkStateSchema).join(", ")}`, enumArgParser(WorkStateSchema))
        .option("-p, --priority <priority>", "only items of this priority", enumArgParser(WorkPrioritySchema))
        .option("--limit <n>", "show at most this many (default: all, fetched a page at a time)", parsePositiveInt),
    ),
    "commander work list --project project-3f2a9c81d0e4",
    "commander work list --state in_progress --json",
    "commander work list --limit 20",
  ).action(async (opts: { project?: string; state?: number; priority?: number; limit?: number; json?: boolean }) => {
    const filter = { projectId: opts.project ?? "", state: opts.state ?? 0, priority: opts.priority ?? 0 };
    const res = await followPages((page) => ctx.clients().of(WorkService).listWork({ ...filter, ...page }), (res) => res.workItems, opts.limit);
    printResponse(ctx, opts, methods.listWork, res, (res) =>
      res.workItems.length === 0 ? "No work items." : workTable(res.workItems, ctx.output, ctx.now()) + moreNote(ctx, res),
    );
  });

  addExamples(
    addJsonOption(work.command("show").description("show one work item").argument("<work-id>")),
    "commander work show work-0a1b2c3d4e5f",
  ).action(async (workId: string, opts: { json?: boolean }) => {
    const res = await ctx.clients().of(WorkService).getWork({ workId });
    printResponse(ctx, opts, methods.getWork, res, (res) => workDetails(res.workItem!, ctx.output, ctx.now()));
  });

  addExamples(
    addJsonOption(
      work
        .command("transcript")
        .description("what the agent did in the item's last turn: prompt, its words, tool uses and results, human answers")
        .argument("<work-id>")
        .option("--page-size <n>", "entries per page (default 100)", parsePositiveInt)
        .option("--page-token <token>", "the page after the one that printed this token"),
    ),
    "commander work transcript work-0a1b2c3d4e5f",
  ).action(async (workId: string, opts: { pageSize?: number; pageToken?: string; json?: boolean }) => {
    const res = await ctx.clients().of(UsageService).getWorkTranscript({ workId, pageSize: opts.pageSize ?? 0, pageToken: opts.pageToken ?? "" });
    printResponse(ctx, opts, UsageService.method.getWorkTranscript, res, (res) => transcriptView(res, ctx.output));
  });

  addExamples(
    addJsonOption(
      work
        .command("diff")
        .description("the unified diff of the files the item's last turn changed (git projects)")
        .argument("<work-id>")
        .option("--page-size <n>", "files per page (default 20)", parsePositiveInt)
        .option("--page-token <token>", "the page after the one that printed this token"),
    ),
    "commander work diff work-0a1b2c3d4e5f",
  ).action(async (workId: string, opts: { pageSize?: number; pageToken?: string; json?: boolean }) => {
    const res = await ctx.clients().of(UsageService).getWorkDiff({ workId, pageSize: opts.pageSize ?? 0, pageToken: opts.pageToken ?? "" });
    printResponse(ctx, opts, UsageService.method.getWorkDiff, res, (res) => diffView(res, ctx.output));
  });

  addExamples(
    addJsonOption(
      work
        .command("complete")
        .description("mark a work item completed")
        .argument("<work-id>")
        .option("-r, --result <text>", "what the work produced", ""),
    ),
    'commander work complete work-0a1b2c3d4e5f --result "Feature implemented"',
  ).action(async (workId: string, opts: { result: string; json?: boolean }) => {
    const res = await ctx.clients().of(WorkService).completeWork({ workId, result: opts.result });
    printResponse(ctx, opts, methods.completeWork, res, (res) => `Completed ${workId}`);
  });

  addExamples(
    addJsonOption(
      work
        .command("cancel")
        .description("cancel a work item that has not ended (items depending on it are cancelled too)")
        .argument("<work-id>")
        .option("--reason <text>", "why it is cancelled", ""),
    ),
    'commander work cancel work-0a1b2c3d4e5f --reason "not needed"',
  ).action(async (workId: string, opts: { reason: string; json?: boolean }) => {
    const res = await ctx.clients().of(WorkService).cancelWork({ workId, reason: opts.reason });
    printResponse(ctx, opts, methods.cancelWork, res, (res) => `Cancelled ${workId}`);
  });
}

/** Accepts `--depends-on a b`, `--depends-on a,b` and repeated flags alike. */
function splitIds(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
}
