import type { ScreenRules } from "../screen/screen-detector.js";
import { pasteThenEnter, screenOnlyRuntime, type AgentRuntime } from "./agent-runtime.js";

// From aider's prompt_toolkit interface as documented upstream, not observed here: a "> " (or
// "architect> ") prompt on the last line, "(Y)es/(N)o/(D)on't ask again [Yes]:" questions answered by
// a letter and Enter, which the generic yes/no rule already reads.
export const AIDER_SCREEN: ScreenRules = {
  ready: [/(?:^|\n)[\w-]*> ?$/],
  busy: [/Waiting for /],
  error: [/^litellm\.\w+Error/, /^Error: /],
};

export function createAiderRuntime(options: { command?: readonly string[] } = {}): AgentRuntime {
  return screenOnlyRuntime({
    name: "aider",
    displayName: "aider",
    command: options.command ?? ["aider"],
    passEnv: ["AIDER_*", "OPENAI_*", "ANTHROPIC_*", "GEMINI_*", "OPENROUTER_*"],
    screen: AIDER_SCREEN,
    exitInputs: pasteThenEnter("/exit"),
  });
}
