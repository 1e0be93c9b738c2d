import type { OutboxRecord } from "../domain/records.js";

export interface RetryPolicy {
  /** Delay before the first retry; doubled for each further one. */
  initialBackoffMs: number;
  /** Longest delay between two attempts (a receiver's Retry-After may ask for more). */
  maxBackoffMs: number;
  /** A message not delivered this long after it was queued is given up. */
  retryForMs: number;
}

/** What one delivery attempt observed. */
export type AttemptResult =
  | { kind: "status"; status: number; retryAfter?: string }
  | { kind: "network"; error: string };

/**
 * The record after an attempt: delivered on 2xx; failed for good on a 4xx other than 408 and 429 (the
 * receiver refuses this message, and sending it again would not change that), on a redirect, or once
 * the retry period is over; otherwise retried after an exponential backoff with jitter, or after the receiver's
 * Retry-After (RFC 9110 §10.2.3) on 429 and 503. Pure: the time and the randomness are given.
 */
export function afterAttempt(record: OutboxRecord, result: AttemptResult, policy: RetryPolicy, now: Date, random: () => number): OutboxRecord {
  const attempts = record.attempts + 1;
  const nowIso = now.toISOString();
  if (result.kind === "status" && result.status >= 200 && result.status < 300) {
    return { ...record, attempts, state: "delivered", lastError: null, deliveredAt: nowIso, nextAttemptAt: nowIso };
  }
  const error = result.kind === "network" ? result.error : `HTTP ${result.status}`;
  if (result.kind === "status" && result.status >= 400 && result.status < 500 && result.status !== 408 && result.status !== 429) {
    return { ...record, attempts, state: "failed", lastError: `${error}: the receiver refused the message`, nextAttemptAt: nowIso };
  }
  // Redirects are not followed (a signed POST must not be replayed elsewhere): the target's URL is wrong.
  if (result.kind === "status" && result.status >= 300 && result.status < 400) {
    return { ...record, attempts, state: "failed", lastError: `${error}: the receiver redirects; set the target's URL to the final address`, nextAttemptAt: nowIso };
  }
  const exponential = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.min(attempts - 1, 30));
  // "Equal jitter": at least half the backoff, so retries of many messages spread without bunching at 0.
  let delay = exponential / 2 + (exponential / 2) * random();
  const asked = result.kind === "status" && (result.status === 429 || result.status === 503) ? retryAfterMs(result.retryAfter, now) : undefined;
  if (asked !== undefined) delay = asked;
  const next = now.getTime() + delay;
  const deadline = Date.parse(record.createdAt) + policy.retryForMs;
  if (next > deadline) {
    return { ...record, attempts, state: "failed", lastError: `${error}; gave up after ${attempts} attempt(s)`, nextAttemptAt: nowIso };
  }
  return { ...record, attempts, lastError: error, nextAttemptAt: new Date(next).toISOString() };
}

/** A Retry-After value (delay-seconds or an HTTP-date) as milliseconds from now; undefined if absent or bad. */
export function retryAfterMs(value: string | undefined, now: Date): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}
