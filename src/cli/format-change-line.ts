import { EventStatusSchema, EventTypeSchema } from "../../gen/es/commander/v1/event_pb.js";
import { InboxMessageStateSchema } from "../../gen/es/commander/v1/inbox_message_pb.js";
import { ProjectStateSchema } from "../../gen/es/commander/v1/project_pb.js";
import { SessionStateSchema } from "../../gen/es/commander/v1/session_pb.js";
import { ChangeKindSchema, type Change } from "../../gen/es/commander/v1/watch_service_pb.js";
import { WorkPrioritySchema, WorkStateSchema } from "../../gen/es/commander/v1/work_item_pb.js";
import type { Palette } from "./create-palette.js";
import { enumWord } from "./enum-word.js";
import { formatClockTime } from "./format-relative-time.js";
import { styleState } from "./style-state.js";

const maxTextLength = 60;

/** One readable line for a change (whose text the caller made safe with `terminalSafe`): `12:03:04  #42  event_created  project-…  approval event-… "Run npm test?"`. */
export function formatChangeLine(change: Change, color: Palette): string {
  const kind = enumWord(ChangeKindSchema, change.kind).padEnd(16);
  return [
    color.dim(formatClockTime(change.time)),
    color.dim(`#${change.seq}`.padEnd(5)),
    color.bold(kind),
    change.projectId,
    describeSubject(change, color),
  ]
    .filter((part) => part !== "")
    .join("  ");
}

function describeSubject(change: Change, color: Palette): string {
  const { subject } = change;
  const state = (word: string) => styleState(word, color);
  switch (subject.case) {
    case "event": {
      const e = subject.value;
      const options = e.options.length > 0 ? ` [${e.options.join("/")}]` : "";
      const resolution = e.resolution === undefined ? "" : ` → ${e.resolution}`;
      return `${e.id} ${state(enumWord(EventTypeSchema, e.type))} ${state(enumWord(EventStatusSchema, e.status))}${resolution} ${quote(e.title)}${options}`;
    }
    case "workItem": {
      const w = subject.value;
      return `${w.id} ${state(enumWord(WorkStateSchema, w.state))} ${enumWord(WorkPrioritySchema, w.priority)} ${quote(w.content)}`;
    }
    case "session": {
      const s = subject.value;
      const reason = s.stateReason ? ` (${s.stateReason})` : "";
      return `${s.id} ${state(enumWord(SessionStateSchema, s.state))}${reason}`;
    }
    case "project": {
      const p = subject.value;
      const reason = p.stateReason ? ` (${p.stateReason})` : "";
      return `${p.name} ${state(enumWord(ProjectStateSchema, p.state))}${reason}`;
    }
    case "message": {
      const m = subject.value;
      return `${m.id} ${state(enumWord(InboxMessageStateSchema, m.state))} ${quote(m.content)}`;
    }
    default:
      return "";
  }
}

function quote(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const short = flat.length > maxTextLength ? `${flat.slice(0, maxTextLength - 1)}…` : flat;
  return `"${short.replace(/"/g, '\\"')}"`;
}
