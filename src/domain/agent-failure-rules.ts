import type { DomainContext } from "./domain-context.js";
import { raiseEvent, resolveEvent } from "./event-rules.js";
import type { EventRecord } from "./records.js";

// A failed agent leaves a clue: the end of its screen and its exit status, in one open `instance_error`
// event per session. Each further failure updates that event (its count, the latest clue) instead of
// piling up a new one per attempt, and the session becoming ready again closes it.

/** How many of the screen's last non-blank lines are kept as the clue. */
export const CLUE_LINES = 12;

export interface AgentFailure {
  projectId: string;
  sessionId: string;
  runtime: string;
  /** "status 1", "signal SIGKILL", "status unknown". */
  status: string;
  exitStatus: number | null;
  exitSignal: number | null;
  /** The agent's screen when it exited, escape sequences already removed. */
  screen: string;
}

/** The last non-blank lines of a screen, without tmux's own "Pane is dead" notice and control characters. */
export function screenClue(screen: string, lines = CLUE_LINES): string[] {
  return screen
    .replace(/\r/g, "")
    .split("\n")
    // eslint-disable-next-line no-control-regex
    .map((line) => line.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "").trimEnd())
    .filter((line) => line.trim() !== "" && !/^Pane is dead\b/.test(line.trim()))
    .slice(-lines);
}

export function openAgentFailure(ctx: DomainContext, sessionId: string): EventRecord | undefined {
  for (const event of ctx.state.events.values()) {
    if (event.sessionId === sessionId && event.type === "instance_error" && event.status === "pending") return event;
  }
  return undefined;
}

/** The session's state_reason after a failure: the status and the last line the agent printed. */
export function failureReason(failure: AgentFailure): string {
  const clue = screenClue(failure.screen, 1)[0];
  const reason = `the agent exited unexpectedly (${failure.status})`;
  return clue ? `${reason}; last output: ${clue.trim().slice(0, 300)}` : `${reason}; it printed nothing`;
}

/** Raises the session's instance_error, or updates the open one (count and latest clue). */
export function recordAgentFailure(ctx: DomainContext, failure: AgentFailure): EventRecord {
  const clue = screenClue(failure.screen);
  const content = [`Exit: ${failure.status}`, "", ...(clue.length > 0 ? ["Last lines on its screen:", ...clue] : ["It printed nothing."])].join("\n");
  const open = openAgentFailure(ctx, failure.sessionId);
  const count = open ? Number(open.context.count ?? 1) + 1 : 1;
  const title = `The ${failure.runtime} agent exited unexpectedly (${failure.status})${count > 1 ? `, ${count} times in a row` : ""}`;
  const context = { exit_status: failure.exitStatus, exit_signal: failure.exitSignal, count };
  if (!open) return raiseEvent(ctx, { projectId: failure.projectId, type: "instance_error", title, content, sessionId: failure.sessionId, context });
  // The same event, updated: published again as `event_created` (same id), so watchers see the new count.
  const updated: EventRecord = { ...open, title, content, context: { ...open.context, ...context } };
  ctx.tx.put("events", updated);
  ctx.tx.change("event_created", updated.projectId, { type: "event", record: updated });
  return updated;
}

/** The agent is ready again: its open instance_error is over. */
export function closeAgentFailure(ctx: DomainContext, sessionId: string): void {
  const open = openAgentFailure(ctx, sessionId);
  if (open) resolveEvent(ctx, open.id, "the agent started again and is ready");
}
