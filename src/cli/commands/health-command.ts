import type { Command } from "commander";
import { HealthService } from "../../../gen/es/commander/v1/health_service_pb.js";
import type { CliContext } from "../cli-context.js";
import { addExamples, addJsonOption, printResponse } from "../command-helpers.js";
import { formatRelativeTime } from "../format-relative-time.js";

export function registerHealthCommand(program: Command, ctx: CliContext): void {
  addExamples(
    addJsonOption(program.command("health").description("check that the daemon runs, and report problems it noticed")),
    "commander health",
    "commander health --url http://127.0.0.1:9000 --json",
  ).action(async (opts: { json?: boolean }) => {
    const clients = ctx.clients();
    const res = await clients.of(HealthService).getHealth({});
    printResponse(ctx, opts, HealthService.method.getHealth, res, (res) => {
      const { green, yellow } = ctx.output.color;
      const status = res.status === "ok" ? green(res.status) : yellow(res.status);
      const problems = res.problems.map(
        (p) => `  ${yellow(p.code)}  ${p.message} (${formatRelativeTime(p.occurredAt, ctx.now())})`,
      );
      return [`Daemon at ${clients.url}: ${status} (version ${res.version})`, ...problems].join("\n");
    });
  });
}
