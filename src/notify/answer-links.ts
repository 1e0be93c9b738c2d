import { createHmac, timingSafeEqual } from "node:crypto";
import { CommanderError } from "../domain/commander-error.js";
import type { CommanderState } from "../domain/commander-state.js";
import type { DomainContext } from "../domain/domain-context.js";
import { resolveEvent, type ResolveOutcome } from "../domain/event-rules.js";

/** What an answer link grants: answering exactly one event with exactly one of its options, once, until it expires. */
export interface AnswerLinkClaims {
  eventId: string;
  /** Index into the event's options. */
  option: number;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** The notification that carried the link (recorded on the event when used). */
  nonce: string;
}

// A token is `<base64url JSON claims>.<base64url HMAC-SHA256 of the first part>`: any change to the event,
// the option or the expiry breaks the signature, and only the daemon holds the key.
export function signAnswerLink(key: Buffer, claims: AnswerLinkClaims): string {
  const body = Buffer.from(JSON.stringify([claims.eventId, claims.option, claims.expiresAt, claims.nonce]), "utf8").toString("base64url");
  return `${body}.${mac(key, body)}`;
}

/** The claims of a well-signed token, or what is wrong with it. */
export function readAnswerLink(key: Buffer, token: string): { claims: AnswerLinkClaims } | { problem: string } {
  const [body, signature, extra] = token.split(".");
  if (!body || !signature || extra !== undefined || token.length > 1024) return { problem: "the link is malformed" };
  const expected = Buffer.from(mac(key, body), "utf8");
  const given = Buffer.from(signature, "utf8");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { problem: "the link's signature does not match (altered or not issued by this daemon)" };
  try {
    const [eventId, option, expiresAt, nonce] = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as unknown[];
    if (typeof eventId !== "string" || !Number.isInteger(option) || typeof expiresAt !== "number" || typeof nonce !== "string") {
      return { problem: "the link is malformed" };
    }
    return { claims: { eventId, option: option as number, expiresAt, nonce } };
  } catch {
    return { problem: "the link is malformed" };
  }
}

/** Why the link cannot answer now (undefined when it can), and the option it gives. */
export function answerLinkProblem(state: CommanderState, claims: AnswerLinkClaims, nowMs: number): string | undefined {
  if (nowMs >= claims.expiresAt) return `the link expired at ${new Date(claims.expiresAt).toISOString()}`;
  const event = state.events.get(claims.eventId);
  if (!event) return `event ${claims.eventId} no longer exists`;
  if (event.status !== "pending") return `event ${claims.eventId} is already ${event.status}`;
  if (event.options[claims.option] === undefined) return "the link names an option the event does not have";
  return undefined;
}

/** Answers the link's event with its option and records, on the event, that an answer link did it. */
export function answerByLink(ctx: DomainContext, claims: AnswerLinkClaims): ResolveOutcome {
  const problem = answerLinkProblem(ctx.state, claims, Date.parse(ctx.now));
  if (problem !== undefined) throw new CommanderError("ANSWER_LINK_INVALID", `answer link refused: ${problem}`, { event_id: claims.eventId });
  const option = ctx.state.events.get(claims.eventId)!.options[claims.option];
  const outcome = resolveEvent(ctx, claims.eventId, option);
  const event = {
    ...outcome.event,
    context: { ...outcome.event.context, resolved_via: "answer_link", answer_link: { notification_id: claims.nonce, option, used_at: ctx.now } },
  };
  ctx.tx.put("events", event);
  return { event, changed: outcome.changed };
}

function mac(key: Buffer, body: string): string {
  return createHmac("sha256", key).update(`commander-answer-link.${body}`, "utf8").digest("base64url");
}
