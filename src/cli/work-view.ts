import { WorkPrioritySchema, WorkStateSchema, type WorkItem } from "../../gen/es/commander/v1/work_item_pb.js";
import type { Output } from "./create-output.js";
import { enumWord } from "./enum-word.js";
import { formatRelativeTime } from "./format-relative-time.js";
import { renderDetails } from "./render-details.js";
import { renderTable } from "./render-table.js";
import { styleState } from "./style-state.js";
import { usageCells, workUsageDetails } from "./usage-view.js";

export function workTable(items: WorkItem[], output: Output, now: Date): string {
  return renderTable(
    [
      { header: "ID" },
      { header: "PROJECT" },
      { header: "STATE" },
      { header: "PRIORITY" },
      { header: "ADDED" },
      { header: "TOKENS" },
      { header: "COST" },
      { header: "CONTENT", flex: true },
    ],
    items.map((w) => [
      w.id,
      w.projectId,
      styleState(enumWord(WorkStateSchema, w.state), output.color),
      styleState(enumWord(WorkPrioritySchema, w.priority), output.color),
      formatRelativeTime(w.createdAt, now),
      ...usageCells(w.usage),
      w.content,
    ]),
    { width: output.width, color: output.color },
  );
}

export function workDetails(w: WorkItem, output: Output, now: Date): string {
  return renderDetails(
    [
      ["ID", w.id],
      ["Project", w.projectId],
      ["State", styleState(enumWord(WorkStateSchema, w.state), output.color)],
      ["Reason", w.stateReason],
      ["Blocked by", w.blockedByEventId],
      ["Priority", styleState(enumWord(WorkPrioritySchema, w.priority), output.color)],
      ["Depends on", w.dependsOn.length > 0 ? w.dependsOn.join(", ") : undefined],
      ["Attempts", String(w.attempts)],
      ["Added", w.createdAt && formatRelativeTime(w.createdAt, now)],
      ["Started", w.startedAt && formatRelativeTime(w.startedAt, now)],
      ["Ended", w.completedAt && formatRelativeTime(w.completedAt, now)],
      ["Content", w.content],
      ["Result", w.result],
      ["Error", w.error === undefined ? undefined : output.color.red(w.error)],
      ...workUsageDetails(w.usage),
    ],
    output.color,
  );
}
