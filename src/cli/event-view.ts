import type { JsonObject } from "@bufbuild/protobuf";
import { EventPrioritySchema, EventStatusSchema, EventTypeSchema, type Event } from "../../gen/es/commander/v1/event_pb.js";
import type { Output } from "./create-output.js";
import { enumWord } from "./enum-word.js";
import { formatRelativeTime } from "./format-relative-time.js";
import { renderDetails } from "./render-details.js";
import { renderTable } from "./render-table.js";
import { styleState } from "./style-state.js";

export function eventTable(events: Event[], output: Output, now: Date, withStatus: boolean): string {
  const columns = [
    { header: "ID" },
    { header: "PROJECT" },
    { header: "TYPE" },
    { header: "PRIORITY" },
    ...(withStatus ? [{ header: "STATUS" }] : []),
    { header: "RAISED" },
    { header: "OPTIONS" },
    { header: "TITLE", flex: true },
  ];
  return renderTable(
    columns,
    events.map((e) => [
      e.id,
      e.projectId,
      styleState(enumWord(EventTypeSchema, e.type), output.color),
      styleState(enumWord(EventPrioritySchema, e.priority), output.color),
      ...(withStatus ? [styleState(enumWord(EventStatusSchema, e.status), output.color)] : []),
      formatRelativeTime(e.createdAt, now),
      e.options.length > 0 ? e.options.join("/") : "-",
      e.title,
    ]),
    { width: output.width, color: output.color },
  );
}

export function eventDetails(e: Event, output: Output, now: Date): string {
  return renderDetails(
    [
      ["ID", e.id],
      ["Project", e.projectId],
      ["Type", styleState(enumWord(EventTypeSchema, e.type), output.color)],
      ["Priority", styleState(enumWord(EventPrioritySchema, e.priority), output.color)],
      ["Status", styleState(enumWord(EventStatusSchema, e.status), output.color)],
      ["Blocking", e.isBlocking ? "yes" : undefined],
      ["Raised", e.createdAt && formatRelativeTime(e.createdAt, now)],
      ["Resolved", e.resolvedAt && formatRelativeTime(e.resolvedAt, now)],
      ["Session", e.sessionId],
      ["Work", e.workId],
      ["Title", output.color.bold(e.title)],
      ["Content", e.content],
      ["Context", contextSummary(e.context)],
      ["Options", e.options.length > 0 ? e.options.join(", ") : undefined],
      ["Resolution", e.resolution],
    ],
    output.color,
  );
}

/** The structured details worth reading before answering, such as the tool and command of a permission. */
function contextSummary(context: JsonObject | undefined): string | undefined {
  if (context === undefined || Object.keys(context).length === 0) return undefined;
  return Object.entries(context)
    .map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join("\n");
}
