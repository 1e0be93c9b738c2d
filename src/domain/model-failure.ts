/** What a failed model call means for the item: try later, a person must fix access, or a plain failure. */
export type ModelFailureKind = "transient" | "access" | "other";

/** The first back-off after an overloaded or rate-limited model API; it doubles at each further failure. */
export const MODEL_BACKOFF_MS = 5000;
export const MODEL_BACKOFF_MAX_MS = 5 * 60_000;
/** After this many tries of one item, an overloaded model API fails it instead of requeueing it again. */
export const MAX_MODEL_TRIES = 5;

/**
 * Classifies Claude Code's `StopFailure` (`error`: `rate_limit`, `server_error`, `authentication_failed`,
 * `billing_error`, ...) with the API's error text. CLI 2.1.332 reports a 529 as `server_error`, so the
 * text ("API Error: 529 Overloaded…") decides between overloaded and a plain server error.
 */
export function classifyModelFailure(category: string, text: string): ModelFailureKind {
  const c = category.toLowerCase();
  if (c === "rate_limit" || c === "overloaded" || c === "overloaded_error" || c === "rate_limit_error") return "transient";
  if (/\b(?:429|529)\b|overloaded|rate.?limit/i.test(text)) return "transient";
  if (/auth|billing|permission_error|credit/.test(c) || /\b401\b|invalid api key|billing|credit balance/i.test(text)) return "access";
  return "other";
}

/** How long an item waits before its next try after `attempts` tries ended on an overloaded model API. */
export function modelBackoffMs(attempts: number): number {
  return Math.min(MODEL_BACKOFF_MAX_MS, MODEL_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
}
