import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { EventPriority, EventType } from "../../gen/es/commander/v1/event_pb.js";
import { ProjectState } from "../../gen/es/commander/v1/project_pb.js";
import { SessionState } from "../../gen/es/commander/v1/session_pb.js";
import { WorkPriority, WorkState } from "../../gen/es/commander/v1/work_item_pb.js";

// The API's words for enum values (as the REST API and the CLI print them): `EVENT_TYPE_DECISION_NEEDED`
// is "decision_needed".
function word(names: Record<number, string>, prefix: string, value: number): string {
  const name = names[value];
  return name === undefined ? String(value) : name.toLowerCase().replace(prefix, "");
}

export const eventTypeWord = (value: EventType) => word(EventType as unknown as Record<number, string>, "", value).replace(/_/g, " ");
export const eventPriorityWord = (value: EventPriority) => word(EventPriority as unknown as Record<number, string>, "", value);
export const projectStateWord = (value: ProjectState) => word(ProjectState as unknown as Record<number, string>, "", value);
export const sessionStateWord = (value: SessionState) => word(SessionState as unknown as Record<number, string>, "", value);
export const workStateWord = (value: WorkState) => word(WorkState as unknown as Record<number, string>, "", value).replace(/_/g, " ");
export const workPriorityWord = (value: WorkPriority) => word(WorkPriority as unknown as Record<number, string>, "", value);

export function millis(time: Timestamp | undefined): number {
  return time === undefined ? 0 : Number(time.seconds) * 1000 + Math.floor(time.nanos / 1e6);
}

/** "3 min ago", for a time in the past. */
export function ago(time: Timestamp | undefined, now = Date.now()): string {
  if (time === undefined) return "";
  const seconds = Math.max(0, Math.round((now - millis(time)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

export function isoTime(time: Timestamp | undefined): string {
  return time === undefined ? "" : new Date(millis(time)).toISOString();
}
