import { EventPrioritySchema } from "../../gen/es/commander/v1/event_pb.js";
import { InboxMessageStateSchema, type InboxMessage } from "../../gen/es/commander/v1/inbox_message_pb.js";
import type { Output } from "./create-output.js";
import { enumWord } from "./enum-word.js";
import { formatRelativeTime } from "./format-relative-time.js";
import { renderDetails } from "./render-details.js";
import { renderTable } from "./render-table.js";
import { styleState } from "./style-state.js";

export function inboxTable(messages: InboxMessage[], output: Output, now: Date): string {
  return renderTable(
    [
      { header: "ID" },
      { header: "PROJECT" },
      { header: "PRIORITY" },
      { header: "STATE" },
      { header: "SENT" },
      { header: "CONTENT", flex: true },
    ],
    messages.map((m) => [
      m.id,
      m.projectId,
      styleState(enumWord(EventPrioritySchema, m.priority), output.color),
      styleState(enumWord(InboxMessageStateSchema, m.state), output.color),
      formatRelativeTime(m.createdAt, now),
      m.content,
    ]),
    { width: output.width, color: output.color },
  );
}

export function inboxDetails(m: InboxMessage, output: Output, now: Date): string {
  return renderDetails(
    [
      ["ID", m.id],
      ["Project", m.projectId],
      ["Priority", styleState(enumWord(EventPrioritySchema, m.priority), output.color)],
      ["State", styleState(enumWord(InboxMessageStateSchema, m.state), output.color)],
      ["Sent", m.createdAt && formatRelativeTime(m.createdAt, now)],
      ["Delivered", m.deliveredAt && formatRelativeTime(m.deliveredAt, now)],
      ["Content", m.content],
    ],
    output.color,
  );
}
