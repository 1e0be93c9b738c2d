import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { readFile } from "node:fs/promises";
import {
  DayUsageSchema,
  FileDiffSchema,
  GetUsageResponseSchema,
  GetWorkDiffResponseSchema,
  GetWorkTranscriptResponseSchema,
  ProjectUsageSchema,
  SessionUsageSchema,
  SetBudgetResponseSchema,
  TranscriptEntrySchema,
  UsageService,
  type TranscriptEntry,
} from "../../gen/es/commander/v1/usage_service_pb.js";
import type { CommanderCore } from "../app/commander-core.js";
import { enforceBudget, setBudget } from "../domain/budget-rules.js";
import { invalidField } from "../domain/commander-error.js";
import { getProject } from "../domain/project-rules.js";
import { addUsage, emptyTotals, selectUsage, usageDay, type UsageTotalsRecord } from "../domain/usage-rules.js";
import { getWork } from "../domain/work-rules.js";
import { transcriptEntries } from "../usage/claude-transcript.js";
import { fileDiff, repositoryRoot } from "../usage/git-snapshot.js";
import { fromBudget, toBudget, toUsageTotals } from "./convert/to-usage-messages.js";

const MAX_FILE_DIFF_BYTES = 64 * 1024;

export function createUsageService({ core }: { core: CommanderCore }): ServiceImpl<typeof UsageService> {
  return {
    getUsage(request) {
      if (request.projectId !== "") getProject(core.state, request.projectId);
      const since = parseSince(request.since);
      const selected = selectUsage(core.state, { projectId: request.projectId, since });
      const byProject = new Map<string, UsageTotalsRecord>();
      const bySession = new Map<string, { projectId: string; totals: UsageTotalsRecord }>();
      const byDay = new Map<string, UsageTotalsRecord>();
      let totals = emptyTotals();
      for (const { item, usage } of selected) {
        totals = addUsage(totals, usage);
        byProject.set(item.projectId, addUsage(byProject.get(item.projectId) ?? emptyTotals(), usage));
        if (usage.sessionId) {
          const session = bySession.get(usage.sessionId) ?? { projectId: item.projectId, totals: emptyTotals() };
          bySession.set(usage.sessionId, { ...session, totals: addUsage(session.totals, usage) });
        }
        byDay.set(usageDay(usage), addUsage(byDay.get(usageDay(usage)) ?? emptyTotals(), usage));
      }
      const projectOrder = [...core.state.projects.keys()];
      return create(GetUsageResponseSchema, {
        totals: toUsageTotals(totals),
        projects: [...byProject]
          .sort(([a], [b]) => projectOrder.indexOf(a) - projectOrder.indexOf(b))
          .map(([projectId, projectTotals]) => create(ProjectUsageSchema, { projectId, totals: toUsageTotals(projectTotals) })),
        sessions: [...bySession].map(([sessionId, session]) =>
          create(SessionUsageSchema, { sessionId, projectId: session.projectId, totals: toUsageTotals(session.totals) }),
        ),
        days: [...byDay].sort(([a], [b]) => a.localeCompare(b)).map(([day, dayTotals]) => create(DayUsageSchema, { day, totals: toUsageTotals(dayTotals) })),
      });
    },

    async setBudget(request) {
      const budget = await core.mutate((ctx) => {
        const stored = setBudget(ctx, request.projectId, fromBudget(request.budget));
        // A limit set below what was already spent takes effect at once, not at the next turn.
        enforceBudget(ctx, request.projectId, null);
        return stored;
      });
      return create(SetBudgetResponseSchema, { budget: toBudget(budget) });
    },

    async getWorkTranscript(request) {
      const item = getWork(core.state, request.workId);
      const { size, offset } = paging(request.pageSize, request.pageToken, 100, 1000);
      const usage = item.usage;
      if (!usage) return create(GetWorkTranscriptResponseSchema, { missingReason: "the item has not finished a turn yet" });
      if (!usage.transcriptPath) return create(GetWorkTranscriptResponseSchema, { missingReason: `no transcript: ${usage.runtime} agents keep none Commander can read` });
      const text = await readFile(usage.transcriptPath, "utf8").catch(() => null);
      if (text === null) return create(GetWorkTranscriptResponseSchema, { missingReason: `the transcript ${usage.transcriptPath} is gone` });
      const window = { since: usage.startedAt, until: usage.endedAt };
      const entries: Array<{ time: string; entry: TranscriptEntry }> = transcriptEntries(text, window).map((entry) => ({
        time: entry.time,
        entry: create(TranscriptEntrySchema, {
          kind: entry.kind,
          text: "text" in entry ? entry.text : "",
          toolName: "toolName" in entry ? entry.toolName : "",
          toolInputJson: entry.kind === "tool_use" ? JSON.stringify(entry.toolInput) : "",
          isError: entry.kind === "tool_result" ? entry.isError : false,
          time: timestampFromDate(new Date(entry.time)),
        }),
      }));
      const until = usage.endedAt ? Date.parse(usage.endedAt) : Infinity;
      for (const event of core.state.eventsOf(item.projectId)) {
        if (event.workId !== item.id || event.status !== "resolved" || !event.resolvedAt) continue;
        const at = Date.parse(event.resolvedAt);
        if (at < Date.parse(usage.startedAt) || at > until) continue;
        entries.push({
          time: event.resolvedAt,
          entry: create(TranscriptEntrySchema, {
            kind: "human_answer",
            text: `${event.title} → ${event.resolution ?? ""}`,
            // Commander records no identity for an answer: it came through its API (REST, RPC, CLI or dashboard).
            answeredBy: "a person, through Commander's API",
            time: timestampFromDate(new Date(event.resolvedAt)),
          }),
        });
      }
      entries.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
      const page = entries.slice(offset, offset + size);
      return create(GetWorkTranscriptResponseSchema, {
        entries: page.map(({ entry }) => entry),
        nextPageToken: offset + size < entries.length ? pageToken(offset + size) : "",
      });
    },

    async getWorkDiff(request) {
      const item = getWork(core.state, request.workId);
      const { size, offset } = paging(request.pageSize, request.pageToken, 20, 200);
      const usage = item.usage;
      if (!usage) return create(GetWorkDiffResponseSchema, { missingReason: "the item has not finished a turn yet" });
      if (!usage.changedFiles || !usage.treeBefore || !usage.treeAfter) {
        return create(GetWorkDiffResponseSchema, { missingReason: usage.changedFilesMissingReason ?? "no diff was recorded" });
      }
      const project = core.state.projects.get(item.projectId);
      const root = project ? await repositoryRoot(project.path) : null;
      if (!root) return create(GetWorkDiffResponseSchema, { missingReason: "the project's repository is no longer there" });
      const files = [];
      for (const file of usage.changedFiles.slice(offset, offset + size)) {
        const text = await fileDiff(root, usage.treeBefore, usage.treeAfter, file.path).catch((error: Error) => `(diff unavailable: ${error.message})\n`);
        const truncated = Buffer.byteLength(text) > MAX_FILE_DIFF_BYTES;
        files.push(
          create(FileDiffSchema, {
            path: file.path,
            added: file.added,
            removed: file.removed,
            diff: truncated ? Buffer.from(text).subarray(0, MAX_FILE_DIFF_BYTES).toString("utf8") : text,
            truncated,
          }),
        );
      }
      return create(GetWorkDiffResponseSchema, {
        files,
        nextPageToken: offset + size < usage.changedFiles.length ? pageToken(offset + size) : "",
      });
    },
  };
}

/** `since` as RFC 3339 (a bare UTC day `YYYY-MM-DD` means its midnight); empty stays empty. */
function parseSince(since: string): string {
  if (since === "") return "";
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(since) ? `${since}T00:00:00Z` : since;
  const time = Date.parse(iso);
  if (!/^\d{4}-\d{2}-\d{2}/.test(iso) || Number.isNaN(time)) throw invalidField("since", `must be an RFC 3339 time or a day YYYY-MM-DD; got ${JSON.stringify(since)}`);
  return new Date(time).toISOString();
}

function pageToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64url");
}

function paging(pageSize: number, token: string, defaultSize: number, maxSize: number): { size: number; offset: number } {
  if (pageSize < 0 || pageSize > maxSize) throw invalidField("page_size", `must be between 0 and ${maxSize}`);
  let offset = 0;
  if (token !== "") {
    const match = /^offset:(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
    if (!match) throw invalidField("page_token", "is not a token this method returned");
    offset = Number(match[1]);
  }
  return { size: pageSize === 0 ? defaultSize : pageSize, offset };
}
