import type { TokenCounts, UsageTotals, WorkUsage } from "../../gen/es/commander/v1/usage_pb.js";
import type { GetUsageResponse, GetWorkDiffResponse, GetWorkTranscriptResponse } from "../../gen/es/commander/v1/usage_service_pb.js";
import type { Output } from "./create-output.js";
import { renderDetails } from "./render-details.js";
import { renderTable } from "./render-table.js";

export function tokenSum(tokens: TokenCounts | undefined): bigint | undefined {
  return tokens ? tokens.input + tokens.output + tokens.cacheCreation + tokens.cacheRead : undefined;
}

export function formatUsd(value: number | undefined): string {
  if (value === undefined) return "";
  return value < 0.01 && value > 0 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

export function formatDuration(ms: bigint): string {
  const seconds = Number(ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m${Math.round(seconds % 60)}s` : `${Math.floor(minutes / 60)}h${minutes % 60}m`;
}

/** The TOKENS and COST cells of a work item: empty until it ran, `-` when its runtime reports none. */
export function usageCells(usage: WorkUsage | undefined): [string, string] {
  if (!usage) return ["", ""];
  const tokens = tokenSum(usage.tokens);
  return [tokens === undefined ? "-" : String(tokens), usage.costUsd === undefined ? (tokens === undefined ? "-" : "?") : formatUsd(usage.costUsd)];
}

export function workUsageDetails(usage: WorkUsage | undefined): Array<[string, string | undefined]> {
  if (!usage) return [];
  const t = usage.tokens;
  return [
    ["Tokens", t ? `${t.input} in, ${t.output} out, ${t.cacheCreation} cache write, ${t.cacheRead} cache read` : usage.tokensMissingReason],
    ["Models", usage.models.length > 0 ? `${usage.models.join(", ")} (${usage.modelCalls} calls, ${usage.toolUses} tool uses)` : undefined],
    ["Cost", usage.costUsd !== undefined ? formatUsd(usage.costUsd) : usage.costMissingReason],
    ["Time", `${formatDuration(usage.wallTimeMs)} (${formatDuration(usage.waitingTimeMs)} waiting for a human)`],
    [
      "Files",
      usage.changedFilesMissingReason ??
        (usage.changedFiles.length === 0 ? "none changed" : usage.changedFiles.map((f) => `${f.path} ${f.binary ? "(binary)" : `+${f.added} -${f.removed}`}`).join("\n")),
    ],
  ];
}

function totalsRow(label: string, totals: UsageTotals | undefined): string[] {
  const tokens = tokenSum(totals?.tokens) ?? 0n;
  const unknown = totals && totals.workItemsWithoutCost > 0 ? ` (+${totals.workItemsWithoutCost} without cost)` : "";
  return [label, String(totals?.workItems ?? 0), String(tokens), `${formatUsd(totals?.costUsd ?? 0)}${unknown}`, formatDuration(totals?.wallTimeMs ?? 0n)];
}

export function usageReport(res: GetUsageResponse, output: Output): string {
  const columns = [{ header: "" }, { header: "ITEMS" }, { header: "TOKENS" }, { header: "COST" }, { header: "TIME", flex: true }];
  const options = { width: output.width, color: output.color };
  const parts = [renderTable(columns, [totalsRow("total", res.totals)], options)];
  if (res.projects.length > 0) {
    parts.push(renderTable([{ ...columns[0], header: "PROJECT" }, ...columns.slice(1)], res.projects.map((p) => totalsRow(p.projectId, p.totals)), options));
  }
  if (res.days.length > 0) {
    parts.push(renderTable([{ ...columns[0], header: "DAY (UTC)" }, ...columns.slice(1)], res.days.map((d) => totalsRow(d.day, d.totals)), options));
  }
  return parts.join("\n\n");
}

export function transcriptView(res: GetWorkTranscriptResponse, output: Output): string {
  if (res.missingReason !== "") return `No transcript: ${res.missingReason}`;
  const lines = res.entries.map((entry) => {
    switch (entry.kind) {
      case "prompt":
        return `${output.color.bold("prompt")}  ${entry.text}`;
      case "assistant_text":
        return `${output.color.cyan("agent")}   ${entry.text}`;
      case "tool_use":
        return `${output.color.yellow("tool")}    ${entry.toolName} ${entry.toolInputJson}`;
      case "tool_result":
        return `${entry.isError ? output.color.red("error") : output.color.dim("result")}  ${entry.text}`;
      case "human_answer":
        return `${output.color.green("human")}   ${entry.text} (${entry.answeredBy})`;
      default:
        return `${entry.kind}  ${entry.text}`;
    }
  });
  if (res.nextPageToken !== "") lines.push(output.color.dim(`(more: --page-token ${res.nextPageToken})`));
  return lines.length === 0 ? "The transcript has no entries for this item." : lines.join("\n");
}

export function diffView(res: GetWorkDiffResponse, output: Output): string {
  if (res.missingReason !== "") return `No diff: ${res.missingReason}`;
  if (res.files.length === 0) return "No files changed.";
  const parts = res.files.map((file) => `${file.diff.trimEnd()}${file.truncated ? `\n${output.color.dim("(diff cut at the size limit)")}` : ""}`);
  if (res.nextPageToken !== "") parts.push(output.color.dim(`(more files: --page-token ${res.nextPageToken})`));
  return parts.join("\n");
}

export function budgetView(budget: { dailyUsd?: number; totalUsd?: number; dailyTokens?: bigint; totalTokens?: bigint } | undefined, color: Output["color"]): string {
  return renderDetails(
    [
      ["Daily USD", budget?.dailyUsd === undefined ? "no limit" : formatUsd(budget.dailyUsd)],
      ["Total USD", budget?.totalUsd === undefined ? "no limit" : formatUsd(budget.totalUsd)],
      ["Daily tokens", budget?.dailyTokens === undefined ? "no limit" : String(budget.dailyTokens)],
      ["Total tokens", budget?.totalTokens === undefined ? "no limit" : String(budget.totalTokens)],
    ],
    color,
  );
}
