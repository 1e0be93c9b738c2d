import type { CommanderCore } from "../app/commander-core.js";
import type { Logger } from "../app/logger.js";
import { decideApproval } from "../domain/approval-decision.js";
import { dismissEvent, raiseEvent } from "../domain/event-rules.js";
import type { EventRecord } from "../domain/records.js";
import { moveSession, updateSession } from "../domain/session-rules.js";
import { blockWork, completeWork, failWork } from "../domain/work-rules.js";
import { describeFailure, summariseToolInput } from "./turn-helpers.js";

/** What the hook handling needs from the session it belongs to. */
export interface HookTurnsHost {
  core: CommanderCore;
  sessionId: string;
  projectId: string;
  log: Logger;
  /** The work item of the turn in progress, if the turn is a work item. */
  turnWorkId(): string | null;
  /** Ends the turn in progress, returning its work item id (or null). */
  endTurn(): { kind: string; workId?: string } | null;
}

/**
 * Turns Claude Code's hooks into Commander's records: a prompt confirms the turn, a permission request
 * becomes a blocking approval whose answer is the hook's decision, `Stop`/`StopFailure` end the turn
 * (completing or failing its item), notifications and the session's end update the session.
 * Fields as the real CLI sends them: src/agents/README-agents.md.
 */
export class HookTurns {
  private readonly approvalWaiters = new Map<string, (event: EventRecord | null) => void>();

  constructor(private readonly host: HookTurnsHost) {}

  private currentAgentSessionId(): string | undefined {
    return this.host.core.state.sessions.get(this.host.sessionId)?.agentSessionId;
  }

  /** Hands a resolved or dismissed approval to the hook call waiting on it; false if none waits. */
  deliver(event: EventRecord): boolean {
    const waiter = this.approvalWaiters.get(event.id);
    if (!waiter) return false;
    waiter(event);
    return true;
  }

  /** Ends every waiting hook call without a decision (the agent shows its own dialog, or is gone). */
  releaseWaiters(): void {
    for (const waiter of this.approvalWaiters.values()) waiter(null);
  }

  async handle(payload: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>> {
    const name = typeof payload.hook_event_name === "string" ? payload.hook_event_name : "";
    this.host.log.debug({ hook: name }, "hook received");
    switch (name) {
      case "SessionStart":
        // Claude Code forks a new conversation id on /clear: keep the one to resume with.
        if (typeof payload.session_id === "string" && payload.session_id !== this.currentAgentSessionId()) {
          const agentSessionId = payload.session_id;
          await this.host.core.mutate((ctx) => updateSession(ctx, this.host.sessionId, { agentSessionId }), { internal: true });
        }
        return {};
      case "UserPromptSubmit":
        await this.host.core.mutate(
          (ctx) => {
            // A person typing in the attached terminal starts a turn Commander did not dispatch.
            if (ctx.state.sessions.get(this.host.sessionId)?.state === "idle") moveSession(ctx, this.host.sessionId, "dispatch");
          },
          { internal: true },
        );
        return {};
      case "PermissionRequest":
        return this.onPermissionRequest(payload, signal);
      case "Stop":
        await this.endHookTurn(typeof payload.last_assistant_message === "string" ? payload.last_assistant_message : "", null);
        return {};
      case "StopFailure":
        await this.endHookTurn("", describeFailure(payload));
        return {};
      case "Notification":
        await this.onNotification(payload);
        return {};
      case "SessionEnd":
        await this.host.core.mutate(
          (ctx) => updateSession(ctx, this.host.sessionId, { stateReason: `the agent ended its session (${String(payload.reason ?? "no reason given")})` }),
          { internal: true },
        );
        return {};
      default:
        return {};
    }
  }

  // Claude Code notifies `permission_prompt` when it shows its own permission dialog: with no approval
  // waiting on the hook (its call timed out), a human must answer in the attached pane.
  private async onNotification(payload: Record<string, unknown>): Promise<void> {
    const waitingOnHook = this.approvalWaiters.size > 0;
    await this.host.core.mutate(
      (ctx) => {
        const session = ctx.state.sessions.get(this.host.sessionId);
        if (!session) return;
        if (payload.notification_type === "permission_prompt" && !waitingOnHook && session.state === "busy") {
          moveSession(ctx, this.host.sessionId, "wait", { stateReason: "the agent shows a permission dialog in its pane; answer it there" });
        } else {
          updateSession(ctx, this.host.sessionId, {});
        }
      },
      { internal: true },
    );
  }

  private async endHookTurn(result: string, failure: string | null): Promise<void> {
    const turn = this.host.endTurn();
    await this.host.core.mutate(
      (ctx) => {
        const session = ctx.state.sessions.get(this.host.sessionId);
        const workId = turn?.kind === "work" ? turn.workId : session?.currentWorkId;
        const item = workId ? ctx.state.work.get(workId) : undefined;
        if (item && (item.state === "in_progress" || item.state === "blocked")) {
          if (failure === null) completeWork(ctx, item.id, result);
          else failWork(ctx, item.id, failure);
        }
        for (const event of [...ctx.state.events.values()]) {
          if (event.sessionId === this.host.sessionId && event.status === "pending" && this.approvalWaiters.has(event.id)) {
            dismissEvent(ctx, event.id);
          }
        }
        const current = ctx.state.sessions.get(this.host.sessionId);
        if (current && (current.state === "busy" || current.state === "waiting")) {
          moveSession(ctx, this.host.sessionId, "ready", { currentWorkId: null, stateReason: null });
        }
      },
      { internal: true },
    );
  }

  private async onPermissionRequest(payload: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>> {
    const toolName = typeof payload.tool_name === "string" ? payload.tool_name : "a tool";
    const toolInput = (payload.tool_input ?? {}) as Record<string, unknown>;
    const summary = summariseToolInput(toolInput);
    const workId = this.host.turnWorkId();
    const event = await this.host.core.mutate(
      (ctx) => {
        const raised = raiseEvent(ctx, {
          projectId: this.host.projectId,
          type: "approval",
          title: `Allow ${toolName}${summary ? `: ${summary.slice(0, 160)}` : ""}?`,
          content: JSON.stringify(toolInput, null, 2),
          options: ["allow", "deny"],
          sessionId: this.host.sessionId,
          workId,
          context: {
            source: "hook",
            tool_name: toolName,
            tool_input: toolInput,
            permission_suggestions: payload.permission_suggestions ?? [],
          },
        });
        if (workId && ctx.state.work.get(workId)?.state === "in_progress") {
          blockWork(ctx, workId, raised.id, `waiting on approval event ${raised.id}: ${toolName}`);
        }
        const session = ctx.state.sessions.get(this.host.sessionId);
        if (session && (session.state === "busy" || session.state === "idle")) moveSession(ctx, this.host.sessionId, "wait");
        return raised;
      },
      { internal: true },
    );
    this.host.log.info({ eventId: event.id, tool: toolName }, "agent asks permission");
    const answer = await new Promise<EventRecord | null>((resolve) => {
      this.approvalWaiters.set(event.id, resolve);
      signal.addEventListener("abort", () => resolve(null), { once: true });
    });
    this.approvalWaiters.delete(event.id);
    if (answer === null) {
      // The hook call ended first (its timeout, or the agent went away): the agent now shows its own
      // dialog, which a person attached to the pane can still answer.
      return {};
    }
    await this.host.core.mutate(
      (ctx) => {
        if (ctx.state.sessions.get(this.host.sessionId)?.state === "waiting") moveSession(ctx, this.host.sessionId, "resume");
      },
      { internal: true },
    );
    const decision =
      answer.status === "resolved"
        ? decideApproval(answer.resolution ?? "")
        : { behavior: "deny" as const, message: "The request was dismissed in Commander." };
    return {
      hookSpecificOutput: {
        hookEventName: "PermissionRequest",
        decision: decision.behavior === "allow" ? { behavior: "allow" } : { behavior: "deny", message: decision.message },
      },
    };
  }
}
