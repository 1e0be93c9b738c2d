import type { ScreenRules } from "../screen/screen-detector.js";
import { pasteThenEnter, screenOnlyRuntime, type AgentRuntime } from "./agent-runtime.js";

// From Gemini CLI's TUI as documented upstream, not observed here: "Type your message" in the input box,
// "esc to cancel" while responding, numbered radio lists ("● 1. Yes, allow once") that take the digit.
export const GEMINI_SCREEN: ScreenRules = {
  ready: [/Type your message/],
  busy: [/esc to cancel/i],
  error: [/^\s*✕\s/, /\[API Error:/],
  choiceKeys: (n) => [String(n)],
};

export function createGeminiRuntime(options: { command?: readonly string[] } = {}): AgentRuntime {
  return screenOnlyRuntime({
    name: "gemini",
    displayName: "Gemini CLI",
    command: options.command ?? ["gemini"],
    passEnv: ["GEMINI_*", "GOOGLE_*"],
    screen: GEMINI_SCREEN,
    exitInputs: pasteThenEnter("/quit"),
  });
}
