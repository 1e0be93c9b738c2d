import type { DomainContext } from "./domain-context.js";
import { closeEvent } from "./event-rules.js";
import type { EventRecord } from "./records.js";
import { EVENT_TRANSITIONS, transition } from "./transitions.js";

/** The resolution of an event whose question was answered in the agent's pane, not through Commander. */
export const ANSWERED_IN_TERMINAL = "answered in the terminal";

/**
 * Closes a pending event whose question a person answered (or cancelled) in the attached pane: it is
 * resolved as "answered in the terminal", `context.resolved_in: "terminal"` and `context.terminal_action`
 * saying what was seen. Nothing is delivered to the agent: it already has its answer.
 */
export function closeAnsweredInTerminal(ctx: DomainContext, eventId: string, action: string): EventRecord | undefined {
  const event = ctx.state.events.get(eventId);
  if (!event || event.status !== "pending") return undefined;
  const status = transition(EVENT_TRANSITIONS, eventId, event.status, "resolve");
  return closeEvent(ctx, {
    ...event,
    status,
    resolution: ANSWERED_IN_TERMINAL,
    resolvedAt: ctx.now,
    context: { ...event.context, resolved_in: "terminal", terminal_action: action },
  });
}
