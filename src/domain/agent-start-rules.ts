import type { CommanderState } from "./commander-state.js";
import { undeliveredMessages } from "./inbox-rules.js";
import { nextRunnableWork } from "./work-rules.js";

/** A project whose agent failed is not restarted automatically sooner than this. */
export const RESTART_BACKOFF_MS = 5000;

/**
 * The `state_reason` of a session a person stopped (`POST /api/sessions/{id}/stop`). It is what keeps the
 * session stopped: auto-execution leaves it alone until a person starts it, or the daemon restarts (which
 * gives stopped sessions its own reason).
 */
export const STOPPED_BY_A_PERSON = "stopped by a person; it starts again only when a person starts it";

export type StartDecision = { start: false; retryInMs: number | null } | { start: true };

/**
 * Auto-execution: whether a project without a running agent should get one now. Work that can run (or an
 * undelivered message) starts the agent, unless the project is paused, a person stopped its session, or
 * its agent failed less than RESTART_BACKOFF_MS ago — then the answer says when to ask again.
 */
export function decideAgentStart(state: CommanderState, projectId: string, lastFailureAt: number | undefined, now: number): StartDecision {
  const project = state.projects.get(projectId);
  if (!project || project.state === "paused") return { start: false, retryInMs: null };
  const session = state.sessionOfProject(projectId);
  if (session?.state === "stopped" && session.stateReason === STOPPED_BY_A_PERSON) return { start: false, retryInMs: null };
  const hasWork = nextRunnableWork(state, projectId, now) !== undefined || undeliveredMessages(state, projectId).length > 0;
  if (!hasWork) return { start: false, retryInMs: null };
  if (lastFailureAt !== undefined && now - lastFailureAt < RESTART_BACKOFF_MS) {
    return { start: false, retryInMs: RESTART_BACKOFF_MS - (now - lastFailureAt) };
  }
  return { start: true };
}
