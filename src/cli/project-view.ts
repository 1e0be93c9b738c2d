import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ProjectStateSchema, type Project } from "../../gen/es/commander/v1/project_pb.js";
import type { Output } from "./create-output.js";
import { enumWord } from "./enum-word.js";
import { formatRelativeTime } from "./format-relative-time.js";
import { renderDetails } from "./render-details.js";
import { renderTable } from "./render-table.js";
import { styleState } from "./style-state.js";

export function projectTable(projects: Project[], output: Output, now: Date): string {
  return renderTable(
    [
      { header: "ID" },
      { header: "NAME", flex: true },
      { header: "STATE" },
      { header: "EVENTS", align: "right" },
      { header: "QUEUED", align: "right" },
      { header: "ACTIVE" },
      { header: "PATH", flex: true },
    ],
    projects.map((p) => [
      p.id,
      p.name,
      styleState(enumWord(ProjectStateSchema, p.state), output.color),
      p.pendingEventsCount > 0 ? output.color.yellow(String(p.pendingEventsCount)) : "0",
      String(p.queuedWorkCount),
      formatRelativeTime(p.lastActivity, now),
      p.path,
    ]),
    { width: output.width, color: output.color },
  );
}

export function projectDetails(p: Project, output: Output, now: Date): string {
  return renderDetails(
    [
      ["ID", p.id],
      ["Name", p.name],
      ["Path", p.path],
      ["State", styleState(enumWord(ProjectStateSchema, p.state), output.color)],
      ["Reason", p.stateReason],
      ["Runtime", p.runtime],
      ["Pending events", String(p.pendingEventsCount)],
      ["Queued work", String(p.queuedWorkCount)],
      ["Registered", p.createdAt && `${formatRelativeTime(p.createdAt, now)} (${timestampDate(p.createdAt).toISOString()})`],
      ["Last activity", p.lastActivity && formatRelativeTime(p.lastActivity, now)],
    ],
    output.color,
  );
}
