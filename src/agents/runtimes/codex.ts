import type { ScreenRules } from "../screen/screen-detector.js";
import { pasteThenEnter, screenOnlyRuntime, type AgentRuntime } from "./agent-runtime.js";

// From Codex CLI's TUI as documented upstream, not observed here (no Codex binary offline): a "›" input
// line, "esc to interrupt" while working, numbered approval lists that take the digit.
export const CODEX_SCREEN: ScreenRules = {
  ready: [/^[›▌](?:\s|$)/m],
  busy: [/esc to interrupt/i],
  error: [/^\s*■\s/, /^\s*(?:stream )?error:/i],
  choiceKeys: (n) => [String(n)],
};

export function createCodexRuntime(options: { command?: readonly string[] } = {}): AgentRuntime {
  return screenOnlyRuntime({
    name: "codex",
    displayName: "Codex CLI",
    command: options.command ?? ["codex"],
    passEnv: ["OPENAI_*", "CODEX_*"],
    screen: CODEX_SCREEN,
    exitInputs: pasteThenEnter("/quit"),
  });
}
