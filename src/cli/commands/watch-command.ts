import { create } from "@bufbuild/protobuf";
import { InvalidArgumentError, type Command } from "commander";
import { HealthService } from "../../../gen/es/commander/v1/health_service_pb.js";
import { ChangeKindSchema, WatchChangesResponseSchema, WatchService, type ChangeKind } from "../../../gen/es/commander/v1/watch_service_pb.js";
import type { CliContext } from "../cli-context.js";
import { addExamples, addJsonOption } from "../command-helpers.js";
import { enumWords, parseEnumWord } from "../enum-word.js";
import { followChanges } from "../follow-changes.js";
import { formatChangeLine } from "../format-change-line.js";
import { terminalSafe, terminalText } from "../terminal-text.js";
import { toRestJson } from "../to-rest-json.js";

export function registerWatchCommand(program: Command, ctx: CliContext): void {
  addExamples(
    addJsonOption(
      program
        .command("watch")
        .description("follow events and state changes live, one line each, until Ctrl+C (--json: NDJSON)")
        .option("--project <project-id>", "only changes of this project")
        .option("-k, --kind <kind...>", `only these kinds: ${enumWords(ChangeKindSchema).join(", ")}`, parseKinds)
        .option("--after-seq <seq>", "first replay the retained changes after this sequence number", parseSeq),
    ),
    "commander watch",
    "commander watch --project project-3f2a9c81d0e4 --kind event_created event_resolved",
    "commander watch --json --after-seq 120 | jq -r .result.change.kind",
  ).action(async (opts: { project?: string; kind?: ChangeKind[]; afterSeq?: bigint; json?: boolean }) => {
    const clients = ctx.clients();
    const controller = new AbortController();
    ctx.io.signal?.addEventListener("abort", () => controller.abort(), { once: true });
    if (!opts.json && ctx.output.interactive) {
      ctx.output.errorLine(ctx.output.errorColor.dim(`Watching ${clients.url} (Ctrl+C to stop)`));
    }
    await followChanges({
      clients: { watch: clients.of(WatchService), health: clients.of(HealthService) },
      projectId: opts.project ?? "",
      kinds: opts.kind ?? [],
      afterSeq: opts.afterSeq ?? 0n,
      signal: controller.signal,
      onChange: (change) => {
        // The same lines as the REST stream (`curl .../api/changes`): grpc-gateway's `{"result": ...}`.
        if (opts.json) ctx.output.jsonLine({ result: toRestJson(WatchChangesResponseSchema, create(WatchChangesResponseSchema, { change })) });
        else ctx.output.line(formatChangeLine(terminalSafe(change), ctx.output.color));
      },
      // Notices quote the daemon's error messages: made safe before they are coloured.
      onNotice: (text) => ctx.output.errorLine(ctx.output.errorColor.yellow(terminalText(text))),
    });
  });
}

/** Accepts `--kind a b`, `--kind a,b` and repeated flags alike. */
function parseKinds(value: string, previous: ChangeKind[] = []): ChangeKind[] {
  const words = value.split(",").filter((word) => word.trim() !== "");
  return [...previous, ...words.map((word) => parseEnumWord(ChangeKindSchema, word) as ChangeKind)];
}

function parseSeq(value: string): bigint {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("expected a sequence number (0 or more)");
  return BigInt(value);
}
