import type { HookDecision } from "./agent-turn.js";
import type { DomainContext } from "./domain-context.js";
import { raiseEvent } from "./event-rules.js";
import { PLAN_OPTIONS } from "./plan-answer.js";
import { decidePolicy } from "./project-policy.js";
import { refreshProjectState } from "./project-rules.js";
import { askedQuestions } from "./question-answers.js";
import type { EventRecord } from "./records.js";

// What a Claude Code PermissionRequest becomes: a `question` event for AskUserQuestion, a
// `plan_approval` for ExitPlanMode, and otherwise an `approval` — answered at once, without a pending
// event, when the project's policy has a rule for it (the event is still recorded, resolved by the rule).

export interface PermissionRequestInput {
  sessionId: string;
  projectId: string;
  workId: string | null;
  toolName: string;
  summary: string;
  toolInput: Record<string, unknown>;
  suggestions: unknown;
}

export interface RaisedPermissionRequest {
  event: EventRecord;
  /** The policy's answer, to give the hook at once; null when a person must answer the event. */
  immediate: HookDecision | null;
}

export const ALLOW_ALWAYS = "allow always";

export function raisePermissionRequest(ctx: DomainContext, input: PermissionRequestInput): RaisedPermissionRequest {
  const { sessionId, projectId, workId, toolName, toolInput } = input;
  const base = { projectId, sessionId, workId };
  if (toolName === "AskUserQuestion") {
    const questions = askedQuestions(toolInput);
    if (questions.length > 0) {
      const first = questions[0].question;
      const event = raiseEvent(ctx, {
        ...base,
        type: "question",
        title: questions.length === 1 ? `Claude asks: ${first.slice(0, 200)}` : `Claude asks ${questions.length} questions: ${first.slice(0, 160)} …`,
        content: questions
          .map((question, index) =>
            [
              `${questions.length > 1 ? `${index + 1}. ` : ""}${question.header ? `[${question.header}] ` : ""}${question.question}${question.multiSelect ? " (choose any)" : ""}`,
              ...question.options.map((option, number) => `   ${number + 1}) ${option.label}${option.description ? ` — ${option.description}` : ""}`),
            ].join("\n"),
          )
          .join("\n"),
        // One question: its labels are the event's options (free text is accepted too).
        options: questions.length === 1 ? questions[0].options.map((option) => option.label) : [],
        context: { source: "hook", tool_name: toolName, tool_input: toolInput, questions, free_text_allowed: true },
      });
      return { event, immediate: null };
    }
  }
  if (toolName === "ExitPlanMode") {
    const plan = typeof toolInput.plan === "string" ? toolInput.plan : "";
    const planFile = typeof toolInput.planFilePath === "string" ? toolInput.planFilePath : null;
    const event = raiseEvent(ctx, {
      ...base,
      type: "plan_approval",
      title: `Approve Claude's plan? ${plan.split("\n").find((line) => line.trim() !== "")?.replace(/^#+\s*/, "").slice(0, 160) ?? ""}`.trim(),
      content: plan !== "" ? plan : "(the plan was not sent with the request)",
      options: [...PLAN_OPTIONS],
      context: { source: "hook", tool_name: toolName, tool_input: toolInput, plan, plan_file_path: planFile },
    });
    return { event, immediate: null };
  }
  const suggestions = Array.isArray(input.suggestions) ? input.suggestions : [];
  const options = suggestions.length > 0 ? ["allow", ALLOW_ALWAYS, "deny"] : ["allow", "deny"];
  const event = raiseEvent(ctx, {
    ...base,
    type: "approval",
    title: `Allow ${toolName}${input.summary ? `: ${input.summary.slice(0, 160)}` : ""}?`,
    content: JSON.stringify(toolInput, null, 2),
    options,
    context: { source: "hook", tool_name: toolName, tool_input: toolInput, permission_suggestions: suggestions },
  });
  const project = ctx.state.projects.get(projectId);
  const verdict = project ? decidePolicy(project, { toolName, toolInput }) : null;
  if (!verdict) return { event, immediate: null };
  // Recorded as answered by the rule, so the history is complete; nobody is asked.
  const resolved: EventRecord = { ...event, status: "resolved", resolution: verdict.action, resolvedAt: ctx.now, resolvedBy: `policy:${verdict.rule}` };
  ctx.tx.put("events", resolved);
  ctx.tx.change("event_resolved", projectId, { type: "event", record: resolved });
  if (project) refreshProjectState(ctx, projectId);
  const immediate: HookDecision =
    verdict.action === "allow"
      ? { behavior: "allow", message: "" }
      : { behavior: "deny", message: `Denied by the project's policy (rule ${verdict.rule}).` };
  return { event: resolved, immediate };
}
