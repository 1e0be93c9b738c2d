import { createHmac } from "node:crypto";
import type { OutboxRecord } from "../domain/records.js";
import type { NotificationTarget } from "./notification-target.js";
import type { NotificationItem } from "./plan-notifications.js";

export const JSON_DOCUMENT_VERSION = 1;

export interface MessageInput {
  record: OutboxRecord;
  target: NotificationTarget;
  /** The daemon's own URL: deep links and answer links point there. */
  baseUrl: string;
  projectName?: string;
  /** The answer link token of one option of an event, when the target wants them. */
  answerLink?: (eventId: string, option: number) => string;
  now: Date;
}

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * The HTTP request that delivers a notification in the target's format. Every format carries the
 * notification id as `Idempotency-Key` (the same for every attempt). Only what the message is about is
 * sent: never the API token, hook secrets or the target's own secret (that only signs).
 */
export function buildMessage(input: MessageInput): OutgoingRequest {
  const summary = summarise(input);
  const common = { "idempotency-key": input.record.id, "x-commander-notification": input.record.id };
  switch (input.target.format) {
    case "json":
      return signed(input, common, summary);
    case "ntfy":
      return ntfyMessage(input, common, summary);
    case "slack":
      return slackMessage(input, common, summary);
  }
}

interface Summary {
  title: string;
  project: { id: string; name: string } | null;
  link: string;
  // `url` answers when POSTed (ntfy's buttons, programs); `page` is the dashboard's confirmation page for a
  // browser (chat buttons): opening a link never answers, since link previews open links on their own.
  items: Array<NotificationItem & { link: string; answers: Array<{ option: string; url: string; page: string }> }>;
}

function summarise(input: MessageInput): Summary {
  const { record, baseUrl } = input;
  const base = baseUrl.replace(/\/+$/, "");
  const items = ((record.payload.items as NotificationItem[] | undefined) ?? []).map((item) => ({
    ...item,
    link: deepLink(base, item, record.projectId),
    answers:
      item.kind === "event" && input.answerLink !== undefined && record.happening === "needs_input"
        ? (item.options ?? []).map((option, index) => {
            const token = input.answerLink!(item.id, index);
            return { option, url: `${base}/api/answer-links/${token}`, page: `${base}/answer/${token}` };
          })
        : [],
  }));
  const name = input.projectName ?? record.projectId;
  const prefix = record.projectId === "" ? "Commander" : name;
  const title =
    record.payload.test === true
      ? "Commander: test notification"
      : record.happening !== "needs_input"
        ? `${prefix}: ${HAPPENING_TITLES[record.happening]}`
        : items.length === 1
          ? `${prefix}: ${items[0].title || "an agent needs input"}`
          : `${prefix}: ${items.length} questions need an answer`;
  return {
    title,
    project: record.projectId === "" ? null : { id: record.projectId, name },
    link: items.length === 1 ? items[0].link : record.projectId === "" ? `${base}/` : `${base}/projects/${encodeURIComponent(record.projectId)}`,
    items,
  };
}

const HAPPENING_TITLES: Record<OutboxRecord["happening"], string> = {
  needs_input: "an agent needs input",
  work_completed: "work completed",
  work_failed: "work failed",
  agent_error: "agent error",
  budget: "budget",
  daemon_degraded: "daemon degraded",
};

function deepLink(base: string, item: NotificationItem, projectId: string): string {
  if (item.kind === "event") return `${base}/events/${encodeURIComponent(item.id)}`;
  if (item.kind === "work_item") return `${base}/work/${encodeURIComponent(item.id)}`;
  if (projectId !== "") return `${base}/projects/${encodeURIComponent(projectId)}`;
  return `${base}/`;
}

function signed(input: MessageInput, common: Record<string, string>, summary: Summary): OutgoingRequest {
  const body = JSON.stringify({
    version: JSON_DOCUMENT_VERSION,
    id: input.record.id,
    happening: input.record.happening,
    // A `commander notify test` message: receivers should not act on it.
    ...(input.record.payload.test === true ? { test: true } : {}),
    title: summary.title,
    project: summary.project,
    occurred_at: input.record.createdAt,
    link: summary.link,
    items: summary.items.map((item) => ({
      kind: item.kind,
      id: item.id,
      title: shorten(item.title, 500),
      text: shorten(item.text, 4000),
      ...(item.options !== undefined ? { options: item.options } : {}),
      ...(item.priority !== undefined ? { priority: item.priority } : {}),
      link: item.link,
      ...(item.answers.length > 0 ? { answer_links: item.answers.map((answer) => ({ option: answer.option, url: answer.url, page_url: answer.page })) } : {}),
    })),
  });
  const timestamp = String(Math.floor(input.now.getTime() / 1000));
  const headers: Record<string, string> = { ...common, "content-type": "application/json", "x-commander-timestamp": timestamp };
  if (input.target.secret !== "") {
    headers["x-commander-signature"] = `sha256=${signature(input.target.secret, timestamp, body)}`;
  }
  return { url: input.target.url, headers, body };
}

/** `X-Commander-Signature`: hex HMAC-SHA256, keyed with the target's secret, of `<timestamp>.<body>`. */
export function signature(secret: string, timestamp: string, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
}

const NTFY_PRIORITY: Record<OutboxRecord["happening"], number> = {
  needs_input: 4,
  work_failed: 4,
  agent_error: 4,
  daemon_degraded: 4,
  budget: 3,
  work_completed: 3,
};
const NTFY_TAGS: Record<OutboxRecord["happening"], string> = {
  needs_input: "question",
  work_failed: "x",
  agent_error: "rotating_light",
  daemon_degraded: "warning",
  budget: "moneybag",
  work_completed: "white_check_mark",
};

// ntfy's JSON publishing (https://docs.ntfy.sh/publish/#publish-as-json): POST to the server's root with
// the topic in the body. The target URL is the topic's URL, `https://ntfy.sh/<topic>`.
function ntfyMessage(input: MessageInput, common: Record<string, string>, summary: Summary): OutgoingRequest {
  const url = new URL(input.target.url);
  const segments = url.pathname.split("/").filter(Boolean);
  const topic = segments.pop() ?? "";
  url.pathname = `/${segments.join("/")}`;
  url.search = "";
  const message = summary.items.map((item) => (summary.items.length > 1 ? `• ${item.title}` : [item.text || item.title, ...(item.options?.length ? [`Options: ${item.options.join(", ")}`] : [])].join("\n"))).join("\n");
  // ntfy shows at most three action buttons.
  const actions: Array<Record<string, unknown>> = [];
  for (const item of summary.items) {
    for (const answer of item.answers) {
      if (actions.length < 3) actions.push({ action: "http", label: shorten(answer.option, 40), url: answer.url, method: "POST", headers: { "content-type": "application/json" }, body: "{}", clear: true });
    }
  }
  if (actions.length < 3) actions.push({ action: "view", label: "Open", url: summary.link, clear: false });
  const body = JSON.stringify({
    topic,
    title: shorten(summary.title, 250),
    message: shortenBytes(message || summary.title, 4000),
    priority: NTFY_PRIORITY[input.record.happening],
    tags: [NTFY_TAGS[input.record.happening]],
    click: summary.link,
    actions,
  });
  return { url: url.toString(), headers: { ...common, "content-type": "application/json" }, body };
}

// Slack incoming webhooks (https://api.slack.com/messaging/webhooks): `text` is the fallback, `blocks` the
// message; a section's text holds at most 3000 characters, a button's 75, a message 50 blocks.
function slackMessage(input: MessageInput, common: Record<string, string>, summary: Summary): OutgoingRequest {
  const blocks: Array<Record<string, unknown>> = [{ type: "section", text: { type: "mrkdwn", text: shorten(`*${slackEscape(summary.title)}*`, 3000) } }];
  for (const item of summary.items.slice(0, 15)) {
    const lines = [`*<${item.link}|${slackEscape(shorten(item.title, 200))}>*`];
    if (item.text !== "") lines.push(slackEscape(item.text));
    if (item.options?.length && item.answers.length === 0) lines.push(`Options: ${item.options.map(slackEscape).join(", ")}`);
    blocks.push({ type: "section", text: { type: "mrkdwn", text: shorten(lines.join("\n"), 3000) } });
    const buttons = item.answers.slice(0, 5).map((answer) => ({ type: "button", text: { type: "plain_text", text: shorten(answer.option, 75) }, url: answer.page }));
    if (buttons.length > 0) blocks.push({ type: "actions", elements: buttons });
  }
  const body = JSON.stringify({ text: shorten(summary.title, 3000), blocks });
  return { url: input.target.url, headers: { ...common, "content-type": "application/json" }, body };
}

function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function shorten(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

function shortenBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, "utf8") <= maxBytes) return text;
  let result = text;
  while (Buffer.byteLength(result, "utf8") > maxBytes - 3) result = [...result].slice(0, -Math.max(1, Math.ceil(result.length / 20))).join("");
  return `${result}…`;
}
