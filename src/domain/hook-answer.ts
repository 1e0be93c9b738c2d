import type { HookDecision } from "./agent-turn.js";
import { decideApproval } from "./approval-decision.js";
import type { DomainContext } from "./domain-context.js";
import { parsePermissionRule } from "./permission-rule.js";
import { planAnswer } from "./plan-answer.js";
import { addPolicyRules } from "./project-policy.js";
import { askedQuestions, questionAnswers } from "./question-answers.js";
import type { EventRecord } from "./records.js";

// The reply to a waiting PermissionRequest hook call, from the person's answer to its event (the shapes
// Claude Code 2.1.332 accepts: ../shared/reference/agent-signals.md):
// - question: allow, with `updatedInput` = the tool input plus `answers` (else the CLI opens its own dialog);
// - plan_approval: allow with `updatedInput` = the tool input (plus a `setMode` permission update for
//   `approve:<mode>`), or deny with the feedback, which the model receives;
// - approval: allow or deny; "allow always" also applies the request's `permission_suggestions` for this
//   session and records their rules in the project's policy.

/** "allow always", as offered, or as people write it ("always allow", "allow-always"). */
const ALLOW_ALWAYS_WORDS = /^(?:allow[\s_-]*always|always[\s_-]*allow)$/i;

const DISMISSED: HookDecision = { behavior: "deny", message: "The request was dismissed in Commander." };

export function hookAnswer(ctx: DomainContext, eventId: string, status: "resolved" | "dismissed", resolution: string): HookDecision {
  const event = ctx.state.events.get(eventId);
  if (status !== "resolved") return DISMISSED;
  if (!event) return decideApproval(resolution);
  try {
    return answerFor(ctx, event, resolution);
  } catch (error) {
    // The resolution was checked when it was given; should it still not read, the agent is told, not left waiting.
    return { behavior: "deny", message: `Commander could not read the answer: ${(error as Error).message}` };
  }
}

function answerFor(ctx: DomainContext, event: EventRecord, resolution: string): HookDecision {
  const toolInput = (event.context.tool_input ?? {}) as Record<string, unknown>;
  switch (event.type) {
    case "question":
      return { behavior: "allow", message: "", updatedInput: { ...toolInput, answers: questionAnswers(askedQuestions(toolInput), resolution) } };
    case "plan_approval": {
      const answer = planAnswer(resolution);
      if (!answer.approve) return { behavior: "deny", message: answer.feedback };
      const decision: HookDecision = { behavior: "allow", message: "", updatedInput: toolInput };
      if (answer.mode !== null) decision.updatedPermissions = [{ type: "setMode", mode: answer.mode, destination: "session" }];
      return decision;
    }
    default:
      if (ALLOW_ALWAYS_WORDS.test(resolution.trim())) return allowAlways(ctx, event);
      return decideApproval(resolution);
  }
}

function allowAlways(ctx: DomainContext, event: EventRecord): HookDecision {
  const suggestions = Array.isArray(event.context.permission_suggestions) ? (event.context.permission_suggestions as unknown[]) : [];
  // For this session only: Commander's policy is what lasts, and the project's own settings files stay untouched.
  const updatedPermissions = suggestions
    .filter((suggestion): suggestion is Record<string, unknown> => typeof suggestion === "object" && suggestion !== null)
    .map((suggestion) => ({ ...suggestion, destination: "session" }));
  if (ctx.state.projects.has(event.projectId)) {
    const rules = suggestedAllowRules(updatedPermissions).map((rule) => ({ rule, action: "allow" as const }));
    try {
      addPolicyRules(ctx, event.projectId, rules, `event:${event.id}`);
    } catch {
      // A full policy: the rule still applies for the session.
    }
  }
  // Without suggestions there is nothing to remember: a plain allow.
  return updatedPermissions.length > 0 ? { behavior: "allow", message: "", updatedPermissions } : { behavior: "allow", message: "" };
}

/** The rules of `addRules` suggestions that allow: `{toolName, ruleContent}` written as `Tool(content)`. */
export function suggestedAllowRules(suggestions: ReadonlyArray<Record<string, unknown>>): string[] {
  const rules: string[] = [];
  for (const suggestion of suggestions) {
    if (suggestion.type !== "addRules" || (suggestion.behavior !== undefined && suggestion.behavior !== "allow")) continue;
    for (const rule of Array.isArray(suggestion.rules) ? suggestion.rules : []) {
      const { toolName, ruleContent } = (rule ?? {}) as Record<string, unknown>;
      if (typeof toolName !== "string") continue;
      const text = typeof ruleContent === "string" && ruleContent !== "" ? `${toolName}(${ruleContent})` : toolName;
      try {
        rules.push(parsePermissionRule(text).text);
      } catch {
        // A suggestion outside the rule syntax applies for the session only.
      }
    }
  }
  return rules;
}
