import { promptKey, type ScreenPrompt } from "../agents/screen/screen-prompt.js";
import type { ScreenQuestion } from "../domain/agent-turn.js";

/** A prompt read off the agent's screen, as the question the turn policy raises. */
export function screenQuestion(prompt: ScreenPrompt): ScreenQuestion {
  return {
    key: promptKey(prompt),
    question: prompt.question,
    options: prompt.options.map((option) => option.label),
    yesNo: prompt.kind === "yes-no",
    dialog: prompt.dialog ?? null,
  };
}
