import type { ScreenRules } from "../screen/screen-detector.js";
import { screenOnlyRuntime, type AgentRuntime } from "./agent-runtime.js";

/**
 * Any interactive program, described by the daemon's config. Patterns are regular expressions (strings),
 * matched against the screen with the spaces the program wrote at line ends (so "fake-agent> $" works).
 */
export interface ShellRuntimeOptions {
  command?: readonly string[];
  /** Matched against the last non-empty lines; a trailing `$` anchors to the end of the last line. */
  readyPattern?: string | RegExp;
  busyPattern?: string | RegExp;
  /** The line above a numbered list that makes it a question (default: a line ending in "?"). */
  questionPattern?: string | RegExp;
  errorPattern?: string | RegExp;
  /** How many of the last non-empty lines the ready and busy patterns see (default 1: the last line). */
  liveLines?: number;
}

function compile(pattern: string | RegExp | undefined, setting: string): RegExp[] | undefined {
  if (pattern === undefined || pattern instanceof RegExp) return pattern && [pattern];
  try {
    return [new RegExp(pattern)];
  } catch (error) {
    throw new TypeError(`runtime shell: ${setting} is not a valid regular expression: ${(error as Error).message}`);
  }
}

export function createShellRuntime(options: ShellRuntimeOptions = {}): AgentRuntime {
  const screen: ScreenRules = {
    ready: compile(options.readyPattern ?? /[$#>%]\s*$/, "readyPattern"),
    busy: compile(options.busyPattern, "busyPattern"),
    question: compile(options.questionPattern, "questionPattern"),
    error: compile(options.errorPattern ?? /^(?:Error|ERROR|Fatal|FATAL):\s/, "errorPattern"),
    liveLines: options.liveLines ?? 1,
  };
  return screenOnlyRuntime({
    name: "shell",
    displayName: "Shell program",
    command: options.command ?? ["sh"],
    screen,
    exitInputs: [{ keys: ["C-d"] }], // end of input: line-oriented programs exit on it
  });
}
