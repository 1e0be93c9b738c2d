import type { TurnScreen } from "../runtimes/agent-runtime.js";
import { readScreen, type ScreenRules } from "../screen/screen-detector.js";
import { stripAnsi } from "../screen/strip-ansi.js";

// Claude Code 2.1.332 in tmux, observed: Esc while the model thinks puts the prompt back in the input line
// and shows nothing else; Esc on a permission dialog prints "⎿  Interrupted · What should Claude do
// instead?" above an empty input line. Either way the status line loses "esc to interrupt" and no Stop
// hook fires. While the model API fails it shows the error and a countdown ("retrying in 7s · attempt 5/10").
const INTERRUPTED = /Interrupted\s*·\s*What should Claude do instead\?/;
const RETRYING = /retrying in \d+\s*s|attempt \d+\s*\/\s*\d+/i;
const API_ERROR = /API Error|Overloaded|rate limit|Can't reach the API/i;

export function readClaudeTurnScreen(screen: string, rules: ScreenRules): TurnScreen {
  const reading = readScreen(screen, rules);
  const lines = stripAnsi(screen).split("\n").map((line) => line.trim()).filter((line) => line !== "");
  const retryIndex = lines.findLastIndex((line) => RETRYING.test(line));
  let retrying: string | null = null;
  if (reading.state === "busy" && retryIndex >= 0) {
    const errorLine = lines.slice(0, retryIndex + 1).findLast((line) => API_ERROR.test(line));
    retrying = [errorLine, lines[retryIndex]].filter((line, index, all) => line && all.indexOf(line) === index).join(" · ");
  }
  return {
    idle: reading.state === "ready" && !reading.prompt,
    interrupted: lines.slice(-8).some((line) => INTERRUPTED.test(line)),
    retrying,
    ...(reading.prompt ? { dialog: reading.prompt } : {}),
  };
}
