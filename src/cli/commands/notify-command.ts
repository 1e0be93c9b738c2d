import type { Command } from "commander";
import { NotificationService } from "../../../gen/es/commander/v1/notification_service_pb.js";
import type { CliContext } from "../cli-context.js";
import { addExamples, addJsonOption, parsePositiveInt, printResponse } from "../command-helpers.js";
import { followPages, moreNote } from "../follow-pages.js";
import { formatRelativeTime } from "../format-relative-time.js";
import { renderTable } from "../render-table.js";
import { CommandFailedError } from "../usage-error.js";

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(",").map((item) => item.trim()).filter((item) => item !== "")];

export function registerNotifyCommand(program: Command, ctx: CliContext): void {
  const notify = addExamples(
    program.command("notify").alias("notifications").description("notification targets (phone, chat, webhooks) and deliveries"),
    "commander notify list",
    "commander notify add phone https://ntfy.sh/my-secret-topic --format ntfy --on needs_input",
    "commander notify test phone",
  );
  const methods = NotificationService.method;

  addExamples(
    addJsonOption(
      notify
        .command("list")
        .alias("ls")
        .description("list the targets")
        .option("--limit <n>", "show at most this many (default: all, fetched a page at a time)", parsePositiveInt),
    ),
    "commander notify list",
  ).action(async (opts: { limit?: number; json?: boolean }) => {
    const res = await followPages((page) => ctx.clients().of(NotificationService).listNotificationTargets(page), (res) => res.targets, opts.limit);
    printResponse(ctx, opts, methods.listNotificationTargets, res, (res) =>
      res.targets.length === 0
        ? "No notification targets."
        : renderTable(
            [{ header: "NAME" }, { header: "FORMAT" }, { header: "ON" }, { header: "PROJECTS" }, { header: "LINKS" }, { header: "SOURCE" }, { header: "URL", flex: true }],
            res.targets.map((t) => [t.name, t.format, t.on.join(",") || "all", t.projects.join(",") || "all", t.answerLinks ? "yes" : "no", t.source, t.url]),
            { width: ctx.output.width, color: ctx.output.color },
          ) + moreNote(ctx, res),
    );
  });

  addExamples(
    addJsonOption(
      notify
        .command("add")
        .description("add a target (kept across restarts)")
        .argument("<name>")
        .argument("<url>")
        .option("-f, --format <format>", "json, ntfy or slack", "json")
        .option("--on <happenings>", "needs_input, work_completed, work_failed, agent_error, budget, daemon_degraded (comma-separated; default all)", collect)
        .option("--project <projects>", "only these project ids or names (comma-separated; default all)", collect)
        .option("--secret <secret>", "signs the json format (X-Commander-Signature)")
        .option("--answer-links", "add one-tap answer links to needs-input notifications (read the risks in docs/notifications.md first)"),
    ),
    "commander notify add hooks https://example.com/commander --secret s3cret",
    "commander notify add phone https://ntfy.sh/my-secret-topic --format ntfy --on needs_input --project api",
  ).action(async (name: string, url: string, opts: { format: string; on?: string[]; project?: string[]; secret?: string; answerLinks?: boolean; json?: boolean }) => {
    const res = await ctx.clients().of(NotificationService).addNotificationTarget({
      name,
      url,
      format: opts.format,
      on: opts.on ?? [],
      projects: opts.project ?? [],
      secret: opts.secret ?? "",
      answerLinks: opts.answerLinks === true,
    });
    printResponse(ctx, opts, methods.addNotificationTarget, res, (res) => `${ctx.output.color.green("Added")} notification target ${res.target?.name}`);
  });

  addExamples(
    addJsonOption(notify.command("remove").alias("rm").description("remove a target added through the API").argument("<name>")),
    "commander notify remove phone",
  ).action(async (name: string, opts: { json?: boolean }) => {
    const res = await ctx.clients().of(NotificationService).removeNotificationTarget({ name });
    printResponse(ctx, opts, methods.removeNotificationTarget, res, (res) => `${ctx.output.color.green("Removed")} notification target ${res.target?.name}`);
  });

  addExamples(
    addJsonOption(notify.command("test").description("send a test notification to a target now").argument("<name>")),
    "commander notify test phone",
  ).action(async (name: string, opts: { json?: boolean }) => {
    const res = await ctx.clients().of(NotificationService).testNotificationTarget({ name });
    if (!res.delivered && !opts.json) throw new CommandFailedError(`the test notification to ${name} was not delivered: ${res.error}`);
    printResponse(ctx, opts, methods.testNotificationTarget, res, (res) => `${ctx.output.color.green("Delivered")} (HTTP ${res.httpStatus})`);
  });

  addExamples(
    addJsonOption(
      notify
        .command("deliveries")
        .description("list notifications and their delivery state, newest first")
        .option("-s, --state <state>", "pending, delivered or failed")
        .option("-t, --target <name>", "only this target's")
        .option("--limit <n>", "show at most this many (default: all, fetched a page at a time)", parsePositiveInt),
    ),
    "commander notify deliveries --state failed",
  ).action(async (opts: { state?: string; target?: string; limit?: number; json?: boolean }) => {
    const filter = { state: opts.state ?? "", target: opts.target ?? "" };
    const res = await followPages((page) => ctx.clients().of(NotificationService).listNotifications({ ...filter, ...page }), (res) => res.notifications, opts.limit);
    printResponse(ctx, opts, methods.listNotifications, res, (res) =>
      res.notifications.length === 0
        ? "No notifications."
        : renderTable(
            [{ header: "ID" }, { header: "TARGET" }, { header: "HAPPENING" }, { header: "STATE" }, { header: "ATTEMPTS" }, { header: "CREATED" }, { header: "LAST ERROR", flex: true }],
            res.notifications.map((n) => [
              n.id,
              n.target,
              n.happening,
              n.state,
              String(n.attempts),
              formatRelativeTime(n.createdAt, ctx.now()),
              n.lastError,
            ]),
            { width: ctx.output.width, color: ctx.output.color },
          ) + moreNote(ctx, res),
    );
  });
}
