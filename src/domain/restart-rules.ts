import type { DomainContext } from "./domain-context.js";
import { dismissEvent } from "./event-rules.js";
import { refreshProjectState } from "./project-rules.js";
import { moveSession } from "./session-rules.js";
import { requeueWork } from "./work-rules.js";

export const RESTART_REASON = "the daemon restarted while it was in progress";

/**
 * After a restart no agent is attached any more. Recovery rule: sessions that were running are marked
 * stopped, items that were in progress or blocked go back to the queue (their attempt count kept, the
 * reason in `state_reason`), and pending events raised by an agent's session are dismissed, since the
 * agent that asked is gone. Queued work then restarts the project's session as usual.
 */
export function recoverAfterRestart(ctx: DomainContext): void {
  for (const event of [...ctx.state.events.values()]) {
    if (event.status === "pending" && event.sessionId !== null) dismissEvent(ctx, event.id);
  }
  for (const item of [...ctx.state.work.values()]) {
    if (item.state === "in_progress" || item.state === "blocked") requeueWork(ctx, item.id, `requeued: ${RESTART_REASON}`);
  }
  for (const session of [...ctx.state.sessions.values()]) {
    if (session.state !== "stopped") {
      moveSession(ctx, session.id, "stopped", {
        stateReason: "the daemon restarted",
        tmuxTarget: "",
        pid: 0,
        currentWorkId: null,
      });
    }
  }
  for (const project of ctx.state.projects.values()) refreshProjectState(ctx, project.id);
}
