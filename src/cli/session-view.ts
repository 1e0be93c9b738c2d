import { SessionStateSchema, type Session } from "../../gen/es/commander/v1/session_pb.js";
import type { Output } from "./create-output.js";
import { enumWord } from "./enum-word.js";
import { formatRelativeTime } from "./format-relative-time.js";
import { renderDetails } from "./render-details.js";
import { renderTable } from "./render-table.js";
import { styleState } from "./style-state.js";

export function sessionTable(sessions: Session[], output: Output, now: Date): string {
  return renderTable(
    [
      { header: "PROJECT" },
      { header: "SESSION" },
      { header: "STATE" },
      { header: "RUNTIME" },
      { header: "PANE" },
      { header: "WORK" },
      { header: "ACTIVE" },
      { header: "REASON", flex: true },
    ],
    sessions.map((s) => [
      s.projectId,
      s.id,
      styleState(enumWord(SessionStateSchema, s.state), output.color),
      s.runtime,
      s.tmuxTarget || "-",
      s.currentWorkId ?? "-",
      formatRelativeTime(s.lastActivity, now),
      s.stateReason ?? "",
    ]),
    { width: output.width, color: output.color },
  );
}

export function sessionDetails(s: Session, output: Output, now: Date): string {
  return renderDetails(
    [
      ["Session", s.id],
      ["Project", s.projectId],
      ["State", styleState(enumWord(SessionStateSchema, s.state), output.color)],
      ["Reason", s.stateReason],
      ["Runtime", s.runtime],
      ["Pane", s.tmuxTarget],
      ["PID", s.pid ? String(s.pid) : undefined],
      ["Working on", s.currentWorkId],
      ["Agent session", s.agentSessionId],
      ["Started", s.startedAt && formatRelativeTime(s.startedAt, now)],
      ["Last activity", s.lastActivity && formatRelativeTime(s.lastActivity, now)],
      ["Attach", s.attachCommand],
    ],
    output.color,
  );
}
