import type { HookDecision, Observation } from "../domain/agent-turn.js";
import { describeFailure, summariseToolInput } from "./turn-helpers.js";

// Claude Code's hooks, translated into observations of the turn policy (src/domain/decide-turn.ts): a
// prompt confirms a turn, a permission request becomes a blocking approval whose answer is the hook's
// reply, `Stop`/`StopFailure` end the turn, notifications and the session's end update the session.
// Fields as the real CLI sends them: docs/agents.md.

/** The observation a hook call stands for, or null for hooks Commander does not act on. */
export function hookObservation(payload: Record<string, unknown>): Observation | null {
  switch (payload.hook_event_name) {
    case "SessionStart":
      return typeof payload.session_id === "string" ? { type: "conversation_changed", agentSessionId: payload.session_id } : null;
    case "UserPromptSubmit":
      return { type: "prompt_submitted" };
    case "PermissionRequest": {
      const toolInput = (payload.tool_input ?? {}) as Record<string, unknown>;
      return {
        type: "permission_requested",
        toolName: typeof payload.tool_name === "string" ? payload.tool_name : "a tool",
        summary: summariseToolInput(toolInput),
        toolInput,
        suggestions: payload.permission_suggestions ?? [],
      };
    }
    case "Stop":
      return { type: "turn_ended", message: typeof payload.last_assistant_message === "string" ? payload.last_assistant_message : "" };
    case "StopFailure": {
      // `last_assistant_message` holds the API's error text ("API Error: 529 Overloaded…").
      const text = [payload.last_assistant_message, payload.error_details].find((value) => typeof value === "string" && value !== "");
      return {
        type: "turn_failed",
        reason: describeFailure(payload),
        category: typeof payload.error === "string" ? payload.error : "",
        ...(typeof text === "string" ? { text } : {}),
      };
    }
    case "PostToolUse":
    case "PostToolUseFailure":
    case "PermissionDenied":
      return typeof payload.tool_name === "string" ? { type: "tool_ran", toolName: payload.tool_name } : null;
    case "Notification":
      // `permission_prompt`: Claude Code shows its own permission dialog.
      return { type: "notified", permissionDialog: payload.notification_type === "permission_prompt" };
    case "SessionEnd":
      return { type: "session_ended", reason: String(payload.reason ?? "no reason given") };
    default:
      return null;
  }
}

/** The reply to a `PermissionRequest` hook call. */
export function hookReply(decision: HookDecision): Record<string, unknown> {
  return {
    hookSpecificOutput: {
      hookEventName: "PermissionRequest",
      decision:
        decision.behavior === "allow"
          ? {
              behavior: "allow",
              ...(decision.updatedInput ? { updatedInput: decision.updatedInput } : {}),
              ...(decision.updatedPermissions ? { updatedPermissions: decision.updatedPermissions } : {}),
            }
          : { behavior: "deny", message: decision.message },
    },
  };
}
