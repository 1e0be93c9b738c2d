import { InvalidArgumentError, type Command } from "commander";
import { UsageService } from "../../../gen/es/commander/v1/usage_service_pb.js";
import type { CliContext } from "../cli-context.js";
import { addExamples, addJsonOption, printResponse } from "../command-helpers.js";
import { budgetView, usageReport } from "../usage-view.js";

export function registerUsageCommand(program: Command, ctx: CliContext): void {
  const methods = UsageService.method;
  const usage = addExamples(
    addJsonOption(
      program
        .command("usage")
        .description("tokens, cost and time of finished work: in total, per project and per UTC day")
        .option("--project <project-id>", "only this project")
        .option("--since <time>", "only items started since this day (YYYY-MM-DD, UTC) or RFC 3339 time"),
    ),
    "commander usage",
    "commander usage --project project-3f2a9c81d0e4 --since 2026-12-01",
    "commander usage budget project-3f2a9c81d0e4 --daily-usd 5 --total-usd 50",
  ).action(async (opts: { project?: string; since?: string; json?: boolean }) => {
    const res = await ctx.clients().of(UsageService).getUsage({ projectId: opts.project ?? "", since: opts.since ?? "" });
    printResponse(ctx, opts, methods.getUsage, res, (res) => usageReport(res, ctx.output));
  });

  addExamples(
    addJsonOption(
      usage
        .command("budget")
        .description("set a project's spending limits (limits not given are removed); the project pauses when one is reached")
        .argument("<project-id>")
        .option("--daily-usd <usd>", "US dollars per UTC day", parseAmount)
        .option("--total-usd <usd>", "US dollars in total", parseAmount)
        .option("--daily-tokens <n>", "tokens per UTC day", parseTokens)
        .option("--total-tokens <n>", "tokens in total", parseTokens),
    ),
    "commander usage budget project-3f2a9c81d0e4 --daily-usd 5",
    "commander usage budget project-3f2a9c81d0e4          # removes every limit",
  ).action(async (projectId: string, opts: { dailyUsd?: number; totalUsd?: number; dailyTokens?: bigint; totalTokens?: bigint; json?: boolean }, command: Command) => {
    // `usage` has its own --json, which commander gives the parent when it follows the subcommand's arguments.
    opts.json = opts.json || command.parent?.opts().json === true;
    const res = await ctx.clients().of(UsageService).setBudget({
      projectId,
      budget: { dailyUsd: opts.dailyUsd, totalUsd: opts.totalUsd, dailyTokens: opts.dailyTokens, totalTokens: opts.totalTokens },
    });
    printResponse(ctx, opts, methods.setBudget, res, (res) => `Budget of ${projectId}:\n${budgetView(res.budget, ctx.output.color)}`);
  });
}

function parseAmount(value: string): number {
  const amount = Number(value.replace(/^\$/, ""));
  if (value.trim() === "" || !Number.isFinite(amount) || amount < 0) throw new InvalidArgumentError("expected a non-negative amount of US dollars");
  return amount;
}

function parseTokens(value: string): bigint {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError("expected a whole number of tokens");
  return BigInt(value.trim());
}
