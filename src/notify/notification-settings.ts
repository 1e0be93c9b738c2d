import { CommanderError } from "../domain/commander-error.js";
import type { RetryPolicy } from "./delivery-policy.js";
import { parseTarget, type NotificationTarget } from "./notification-target.js";

/** How notifications are delivered: the config file's `notification_options` (times in seconds there). */
export interface NotificationSettings {
  /** The dashboard's address as receivers reach it (deep links, answer links); default the daemon's URL. */
  publicUrl: string;
  retry: RetryPolicy;
  attemptTimeoutMs: number;
  /** Most deliveries in flight at once (one per target at a time, so each target gets its messages in order). */
  concurrency: number;
  coalesceMs: number;
  /** A target failing this long marks health degraded. */
  failingAfterMs: number;
  answerLinkTtlMs: number;
  pollMs: number;
  /** Delivered and failed notifications kept for GET /api/notifications. */
  keepFinished: number;
}

export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = {
  publicUrl: "",
  retry: { initialBackoffMs: 5_000, maxBackoffMs: 30 * 60_000, retryForMs: 24 * 3_600_000 },
  attemptTimeoutMs: 10_000,
  concurrency: 4,
  coalesceMs: 5_000,
  failingAfterMs: 3_600_000,
  answerLinkTtlMs: 3_600_000,
  pollMs: 1_000,
  keepFinished: 1_000,
};

const SECONDS: Record<string, (settings: NotificationSettings, ms: number) => void> = {
  retry_for: (s, ms) => (s.retry.retryForMs = ms),
  initial_backoff: (s, ms) => (s.retry.initialBackoffMs = ms),
  max_backoff: (s, ms) => (s.retry.maxBackoffMs = ms),
  attempt_timeout: (s, ms) => (s.attemptTimeoutMs = ms),
  coalesce: (s, ms) => (s.coalesceMs = ms),
  failing_after: (s, ms) => (s.failingAfterMs = ms),
  answer_link_ttl: (s, ms) => (s.answerLinkTtlMs = ms),
  poll_interval: (s, ms) => (s.pollMs = ms),
};

/** Validates `notification_options`; throws a message naming the field. */
export function parseNotificationSettings(raw: unknown, where = "notification_options"): NotificationSettings {
  const settings: NotificationSettings = { ...DEFAULT_NOTIFICATION_SETTINGS, retry: { ...DEFAULT_NOTIFICATION_SETTINGS.retry } };
  if (raw === undefined) return settings;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${where}: must be a JSON object`);
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const field = `${where}.${key}`;
    if (key === "public_url") {
      if (typeof value !== "string" || !/^https?:\/\/[^/]+/.test(value)) throw new Error(`${field}: must be an http or https URL (got ${JSON.stringify(value)})`);
      settings.publicUrl = value.replace(/\/+$/, "");
    } else if (key === "concurrency" || key === "keep_finished") {
      if (!Number.isInteger(value) || (value as number) < 1) throw new Error(`${field}: must be a whole number of at least 1 (got ${JSON.stringify(value)})`);
      if (key === "concurrency") settings.concurrency = value as number;
      else settings.keepFinished = value as number;
    } else if (SECONDS[key]) {
      if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new Error(`${field}: must be a positive number of seconds (got ${JSON.stringify(value)})`);
      SECONDS[key](settings, value * 1000);
    } else {
      throw new Error(`${field}: unknown setting (known: public_url, concurrency, keep_finished, ${Object.keys(SECONDS).join(", ")})`);
    }
  }
  return settings;
}

/** Validates the config file's `notifications` list; names must be unique. */
export function parseConfigTargets(raw: unknown, where = "notifications"): NotificationTarget[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new Error(`${where}: must be a list of targets`);
  const targets: NotificationTarget[] = [];
  raw.forEach((entry, index) => {
    let target: NotificationTarget;
    try {
      target = parseTarget(entry, `${where}[${index}]`, "config");
    } catch (error) {
      throw new Error(error instanceof CommanderError ? error.message : String(error));
    }
    if (targets.some((other) => other.name === target.name)) throw new Error(`${where}[${index}].name: ${JSON.stringify(target.name)} is used twice`);
    targets.push(target);
  });
  return targets;
}
