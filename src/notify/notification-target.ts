import { CommanderError, invalidField } from "../domain/commander-error.js";
import type { Happening } from "../domain/records.js";

export const HAPPENINGS: readonly Happening[] = ["needs_input", "work_completed", "work_failed", "agent_error", "budget", "daemon_degraded"];
export const TARGET_FORMATS = ["json", "ntfy", "slack"] as const;
export type TargetFormat = (typeof TARGET_FORMATS)[number];

/** A place notifications go to, from the config file (`notifications`) or added through the API. */
export interface NotificationTarget {
  name: string;
  url: string;
  format: TargetFormat;
  /** Happenings wanted; empty means all. */
  on: Happening[];
  /** Project ids or names wanted; empty means all. */
  projects: string[];
  /** Signs the `json` format; never sent, never returned by the API. */
  secret: string;
  answerLinks: boolean;
  source: "config" | "api";
}

const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const KNOWN_KEYS = new Set(["name", "url", "format", "on", "projects", "secret", "answer_links"]);

/**
 * Validates a target given as the config file's / API's snake_case object; `where` prefixes field names
 * in messages (`notifications[0].url: ...`). Throws INVALID_ARGUMENT naming the field.
 */
export function parseTarget(raw: unknown, where: string, source: NotificationTarget["source"]): NotificationTarget {
  const field = (name: string) => (where === "" ? name : `${where}.${name}`);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw invalidField(where || "target", "must be an object");
  const value = raw as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    if (!KNOWN_KEYS.has(key)) throw invalidField(field(key), `unknown setting (known: ${[...KNOWN_KEYS].join(", ")})`);
  }
  const name = value.name;
  if (typeof name !== "string" || !NAME_PATTERN.test(name)) throw invalidField(field("name"), "must be 1 to 64 letters, digits, '-' or '_'");
  const url = value.url;
  if (typeof url !== "string" || url === "") throw invalidField(field("url"), "must not be empty");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidField(field("url"), `is not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw invalidField(field("url"), "must be an http or https URL");
  if (parsed.username !== "" || parsed.password !== "") throw invalidField(field("url"), "must not carry a user name or password; use secret");
  const format = value.format === undefined || value.format === "" ? "json" : value.format;
  if (typeof format !== "string" || !(TARGET_FORMATS as readonly string[]).includes(format)) {
    throw invalidField(field("format"), `must be one of ${TARGET_FORMATS.join(", ")}`);
  }
  const on = stringList(value.on, field("on"));
  const unknown = on.find((item) => !(HAPPENINGS as readonly string[]).includes(item));
  if (unknown !== undefined) throw invalidField(field("on"), `unknown happening ${JSON.stringify(unknown)} (known: ${HAPPENINGS.join(", ")})`);
  const projects = stringList(value.projects, field("projects"));
  const secret = value.secret ?? "";
  if (typeof secret !== "string") throw invalidField(field("secret"), "must be a string");
  const answerLinks = value.answer_links ?? false;
  if (typeof answerLinks !== "boolean") throw invalidField(field("answer_links"), "must be true or false");
  return { name, url, format: format as TargetFormat, on: on as Happening[], projects, secret, answerLinks, source };
}

/** The stored form of an API target (the same snake_case object parseTarget accepts). */
export function targetSettings(target: NotificationTarget): Record<string, unknown> {
  return {
    name: target.name,
    url: target.url,
    format: target.format,
    on: target.on,
    projects: target.projects,
    secret: target.secret,
    answer_links: target.answerLinks,
  };
}

export function targetNotFound(name: string): CommanderError {
  return new CommanderError("NOTIFICATION_TARGET_NOT_FOUND", `notification target ${JSON.stringify(name)} not found`, { name });
}

function stringList(raw: unknown, field: string): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || !raw.every((item) => typeof item === "string" && item !== "")) throw invalidField(field, "must be a list of non-empty strings");
  return [...new Set(raw as string[])];
}
