import type { Command } from "commander";
import { EventStatus, EventStatusSchema, EventTypeSchema, type Event } from "../../../gen/es/commander/v1/event_pb.js";
import { EventService } from "../../../gen/es/commander/v1/event_service_pb.js";
import type { CliContext } from "../cli-context.js";
import { addExamples, addJsonOption, parsePositiveInt, printResponse } from "../command-helpers.js";
import { followPages, moreNote } from "../follow-pages.js";
import { enumArgParser, enumWord, enumWords } from "../enum-word.js";
import { eventDetails, eventTable } from "../event-view.js";
import { promptChoice, promptText } from "../prompt-answer.js";
import { promptEventAnswer } from "../prompt-event-answer.js";
import { terminalSafe } from "../terminal-text.js";
import { CommandFailedError, UsageError } from "../usage-error.js";

export function registerEventsCommand(program: Command, ctx: CliContext): void {
  const events = addExamples(
    program.command("events").alias("event").description("moments where an agent needs a human, and their answers"),
    "commander events list",
    "commander events resolve event-9b8a7c6d5e4f",
  );
  const methods = EventService.method;

  addExamples(
    addJsonOption(
      events
        .command("list")
        .alias("ls")
        .description("list pending events, most urgent first (--all: every event, newest first)")
        .option("--project <project-id>", "only events of this project")
        .option("-a, --all", "events of any status, not only pending ones")
        .option("-s, --status <status>", `only events with this status: ${enumWords(EventStatusSchema).join(", ")}`, enumArgParser(EventStatusSchema))
        .option("-t, --type <type>", `only events of this type: ${enumWords(EventTypeSchema).join(", ")}`, enumArgParser(EventTypeSchema))
        .option("--limit <n>", "show at most this many (default: all, fetched a page at a time)", parsePositiveInt),
    ),
    "commander events list",
    "commander events list --project project-3f2a9c81d0e4 --json",
    "commander events list --all --type approval",
  ).action(async (opts: { project?: string; all?: boolean; status?: number; type?: number; limit?: number; json?: boolean }) => {
    const projectId = opts.project ?? "";
    if (opts.all || opts.status !== undefined || opts.type !== undefined) {
      const filter = { projectId, status: opts.status ?? 0, type: opts.type ?? 0 };
      const res = await followPages((page) => ctx.clients().of(EventService).listEvents({ ...filter, ...page }), (res) => res.events, opts.limit);
      printResponse(ctx, opts, methods.listEvents, res, (res) =>
        res.events.length === 0 ? "No events." : eventTable(res.events, ctx.output, ctx.now(), true) + moreNote(ctx, res),
      );
      return;
    }
    const res = await followPages((page) => ctx.clients().of(EventService).listPendingEvents({ projectId, ...page }), (res) => res.events, opts.limit);
    printResponse(ctx, opts, methods.listPendingEvents, res, (res) =>
      res.events.length === 0 ? "No pending events." : eventTable(res.events, ctx.output, ctx.now(), false) + moreNote(ctx, res),
    );
  });

  addExamples(
    addJsonOption(events.command("show").description("show one event with its context and options").argument("<event-id>")),
    "commander events show event-9b8a7c6d5e4f",
  ).action(async (eventId: string, opts: { json?: boolean }) => {
    const res = await ctx.clients().of(EventService).getEvent({ eventId });
    printResponse(ctx, opts, methods.getEvent, res, (res) => eventDetails(res.event!, ctx.output, ctx.now()));
  });

  addExamples(
    addJsonOption(
      events
        .command("resolve")
        .alias("answer")
        .description("answer an event; in a terminal, shows its options and lets you pick one")
        .argument("<event-id>")
        .option(
          "-r, --resolution <answer>",
          "the answer: one of the event's options (allow, allow always, deny, approve, reject: <feedback>, ...) or free text; a question takes an option's label or number (several comma-separated when it allows several), or free text",
        ),
    ),
    "commander events resolve event-9b8a7c6d5e4f            # pick interactively",
    "commander events resolve event-9b8a7c6d5e4f --resolution allow",
    'commander events resolve event-9b8a7c6d5e4f --resolution "Blue"           # a question',
    'commander events resolve event-9b8a7c6d5e4f -r "reject: add tests first"  # a plan',
  ).action(async (eventId: string, opts: { resolution?: string; json?: boolean }) => {
    const resolution = opts.resolution ?? (await askForResolution(ctx, eventId, opts.json === true));
    const res = await ctx.clients().of(EventService).resolveEvent({ eventId, resolution });
    printResponse(ctx, opts, methods.resolveEvent, res, (res) => {
      const resumed = res.sessionResumed ? "; the agent carries on" : "";
      return `${ctx.output.color.green("Resolved")} ${eventId} with "${res.event?.resolution ?? resolution}"${resumed}`;
    });
  });

  addExamples(
    addJsonOption(events.command("dismiss").description("close a pending event without an answer").argument("<event-id>")),
    "commander events dismiss event-9b8a7c6d5e4f",
  ).action(async (eventId: string, opts: { json?: boolean }) => {
    const res = await ctx.clients().of(EventService).dismissEvent({ eventId });
    printResponse(ctx, opts, methods.dismissEvent, res, (res) => `Dismissed ${eventId}`);
  });
}

async function askForResolution(ctx: CliContext, eventId: string, json: boolean): Promise<string> {
  const { event } = await ctx.clients().of(EventService).getEvent({ eventId });
  if (event === undefined) throw new CommandFailedError(`the daemon returned no event ${eventId}`);
  if (!ctx.output.interactive || json) {
    const choices = event.options.length > 0 ? ` (one of: ${event.options.join(", ")})` : "";
    throw new UsageError(`give the answer with --resolution <answer>${choices}, or run this in a terminal to choose`);
  }
  if (event.status !== EventStatus.PENDING) throw notPending(event);
  ctx.output.line(eventDetails(terminalSafe(event), ctx.output, ctx.now()));
  ctx.output.line();
  const special = await promptEventAnswer(ctx.io, ctx.output, event);
  if (special !== undefined) return special;
  return event.options.length > 0 ? promptChoice(ctx.io, ctx.output, event.options) : promptText(ctx.io, ctx.output, "Your answer: ");
}

function notPending(event: Event): CommandFailedError {
  const status = enumWord(EventStatusSchema, event.status);
  const answer = event.resolution === undefined ? "" : ` with "${event.resolution}"`;
  return new CommandFailedError(`event ${event.id} is already ${status}${answer}`);
}
