import type { Event, Question } from "../../gen/es/commander/v1/event_pb.js";

// What the dashboard sends as a resolution, in the formats docs/work-loop.md describes, and the words it
// shows for the options and for who answered. Pure functions: the cards hold the state.

/** Several questions' answers as one resolution: a JSON object keyed by the question's 1-based number. */
export function questionsResolution(questions: readonly Question[], chosen: ReadonlyArray<readonly string[]>, freeText: readonly string[]): string {
  const answers: Record<string, string | string[]> = {};
  questions.forEach((question, index) => {
    const own = (freeText[index] ?? "").trim();
    const picked = [...(chosen[index] ?? [])];
    if (question.multiSelect) answers[String(index + 1)] = own !== "" ? [...picked, own] : picked;
    else answers[String(index + 1)] = own !== "" ? own : (picked[0] ?? "");
  });
  return JSON.stringify(answers);
}

/** The question that has no answer yet, if any (the answer button says which). */
export function unansweredQuestion(questions: readonly Question[], chosen: ReadonlyArray<readonly string[]>, freeText: readonly string[]): Question | undefined {
  return questions.find((_, index) => (chosen[index] ?? []).length === 0 && (freeText[index] ?? "").trim() === "");
}

/** A plan's option as a button says it: `approve:acceptEdits` is "Approve and accept edits". */
export function planOptionLabel(option: string): string {
  if (option === "approve") return "Approve";
  if (option === "reject") return "Reject";
  const mode = /^approve:(.+)$/.exec(option)?.[1];
  if (mode === undefined) return option;
  const words: Record<string, string> = {
    acceptEdits: "accept edits",
    bypassPermissions: "bypass permissions",
    dontAsk: "don't ask",
    default: "ask as usual",
  };
  return `Approve and ${words[mode] ?? `switch to ${mode}`}`;
}

/** A plan's rejection: `reject`, or `reject: <feedback>`, which the model receives. */
export function planRejection(feedback: string): string {
  const text = feedback.trim();
  return text === "" ? "reject" : `reject: ${text}`;
}

/** The policy rules "allow always" adds (Claude Code's `addRules` permission suggestions), as `Tool(content)`. */
export function allowAlwaysRules(event: Event): string[] {
  const suggestions = event.context?.permission_suggestions;
  if (!Array.isArray(suggestions)) return [];
  const rules: string[] = [];
  for (const suggestion of suggestions) {
    if (typeof suggestion !== "object" || suggestion === null || Array.isArray(suggestion)) continue;
    if (suggestion.type !== "addRules" || (suggestion.behavior !== undefined && suggestion.behavior !== "allow")) continue;
    for (const rule of Array.isArray(suggestion.rules) ? suggestion.rules : []) {
      if (typeof rule !== "object" || rule === null || Array.isArray(rule) || typeof rule.toolName !== "string") continue;
      rules.push(typeof rule.ruleContent === "string" && rule.ruleContent !== "" ? `${rule.toolName}(${rule.ruleContent})` : rule.toolName);
    }
  }
  return rules;
}

/** Who or what answered a resolved event, when it was not a person in the API: a policy rule, an answer link. */
export function resolvedByText(event: Event): string | undefined {
  const by = event.resolvedBy;
  if (by !== undefined && by.startsWith("policy:")) return `by the project's policy rule ${by.slice("policy:".length)}`;
  if (event.context?.resolved_via === "answer_link") return "through an answer link in a notification";
  if (by !== undefined && by !== "") return `by ${by}`;
  return undefined;
}
