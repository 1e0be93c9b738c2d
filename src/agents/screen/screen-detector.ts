import { promptKey, type PromptOption, type ScreenPrompt } from "./screen-prompt.js";
import { stripAnsi } from "./strip-ansi.js";

export type ScreenState = "ready" | "busy" | "asking" | "unknown";

/**
 * What a runtime looks like on screen. `ready` and `busy` are matched against the live region: the last
 * `liveLines` non-empty lines joined by "\n", so a `$` without the `m` flag means "end of the last line".
 * Trailing spaces are there only if the program wrote them and the screen was captured with them.
 */
export interface ScreenRules {
  ready?: readonly RegExp[];
  busy?: readonly RegExp[];
  /** The line above a numbered list that makes it a question (default: a line ending in "?"). */
  question?: readonly RegExp[];
  /** Matched line by line over the whole screen. */
  error?: readonly RegExp[];
  /** Keys that pick numbered option `n` (default: the digit, then Enter). */
  choiceKeys?: (n: number) => string[];
  /** Keys that answer a yes/no prompt with `letter` (default: the letter, then Enter). */
  letterKeys?: (letter: string) => string[];
  /** Runtime dialogs, tried before the generic numbered-list and yes/no rules. */
  dialogs?: ReadonlyArray<(lines: readonly string[]) => ScreenPrompt | undefined>;
  liveLines?: number;
  /** Non-empty lines allowed below a prompt's last option for it to count as waiting (hints, input line). */
  trailingLines?: number;
}

export interface ScreenReading {
  state: ScreenState;
  prompt?: ScreenPrompt;
  /** Error lines on screen, in order, repeated as often as they appear. */
  errors: string[];
}

export interface ScreenUpdate extends ScreenReading {
  previousState: ScreenState;
  /** The prompt, when it was not on screen at the previous update. */
  appeared?: ScreenPrompt;
  /** Error lines that appeared since the previous update (a line shown twice more is reported twice). */
  newErrors: string[];
}

export interface ScreenDetector {
  update(screen: string): ScreenUpdate;
  readonly current: ScreenReading;
  reset(): void;
}

const NUMBERED = /^\s*(?:[❯›>▶●*]\s*)?(\d{1,2})[.)]\s+(\S.*?)\s*$/;
const SELECTED = /^\s*[❯›>▶●]/;
const DEFAULT_QUESTION = [/\?\s*$/];
const YES_NO = /\((y)\/(n)\)|\[(y)\/(n)\]|\[(yes)\/(no)\]|\((yes)\/(no)\)/i;
// aider: "Add file to the chat? (Y)es/(N)o/(A)ll/(S)kip all/(D)on't ask again [Yes]:"
const LETTER_MENU = /((?:\([A-Za-z]\)[\w' ]*\/)+\([A-Za-z]\)[\w' ]*?)\s*(?:\[([^\]]+)\])?\s*:?\s*$/;

export function readScreen(screen: string, rules: ScreenRules = {}): ScreenReading {
  const raw = stripAnsi(screen).split("\n");
  const lines = raw.map((line) => line.trimEnd());
  // Trailing spaces stay in the live region: a prompt such as "fake-agent> " ends in one.
  const live = raw
    .filter((line) => line.trim() !== "")
    .slice(-(rules.liveLines ?? 6))
    .join("\n");
  const prompt = findPrompt(lines, rules);
  const errors = rules.error?.length
    ? lines.filter((line) => rules.error!.some((pattern) => pattern.test(line))).map((line) => line.trim())
    : [];
  const state: ScreenState = prompt
    ? "asking"
    : rules.busy?.some((pattern) => pattern.test(live))
      ? "busy"
      : rules.ready?.some((pattern) => pattern.test(live))
        ? "ready"
        : "unknown";
  return { state, prompt, errors };
}

function findPrompt(lines: readonly string[], rules: ScreenRules): ScreenPrompt | undefined {
  for (const dialog of rules.dialogs ?? []) {
    const prompt = dialog(lines);
    if (prompt) return prompt;
  }
  return findNumberedPrompt(lines, rules) ?? findYesNoPrompt(lines, rules);
}

function findNumberedPrompt(lines: readonly string[], rules: ScreenRules): ScreenPrompt | undefined {
  const trailing = rules.trailingLines ?? 2;
  let last = -1;
  for (let i = lines.length - 1, passed = 0; i >= 0 && last < 0; i--) {
    if (NUMBERED.test(lines[i]!)) last = i;
    else if (lines[i]!.trim() !== "" && ++passed > trailing) return undefined;
  }
  if (last < 0) return undefined;
  // Walk up the list: numbers must count down to 1; wrapped label lines may sit between options.
  const options: Array<{ number: number; label: string; selected: boolean }> = [];
  let expected = Number(NUMBERED.exec(lines[last]!)![1]);
  let first = last;
  let continuation: string[] = [];
  for (let i = last; i >= 0 && expected >= 1; i--) {
    const line = lines[i]!;
    const match = NUMBERED.exec(line);
    if (match && Number(match[1]) === expected) {
      options.unshift({ number: expected, label: [match[2]!, ...continuation].join(" "), selected: SELECTED.test(line) });
      continuation = [];
      expected--;
      first = i;
    } else if (line.trim() === "") {
      continue;
    } else if (!match && continuation.length < 2) {
      continuation.unshift(line.trim());
    } else {
      break;
    }
  }
  if (expected !== 0 || options.length < 2) return undefined;
  const question = findQuestion(lines, first, rules.question ?? DEFAULT_QUESTION);
  if (question === undefined) return undefined;
  const choiceKeys = rules.choiceKeys ?? ((n: number) => [String(n), "Enter"]);
  return {
    kind: "choice",
    question,
    options: options.map(({ number, label, selected }) => ({
      label,
      keys: choiceKeys(number),
      ...(selected ? { isDefault: true } : {}),
    })),
  };
}

function findQuestion(lines: readonly string[], before: number, patterns: readonly RegExp[]): string | undefined {
  let looked = 0;
  for (let i = before - 1; i >= 0 && looked < 4; i--) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    looked++;
    if (patterns.some((pattern) => pattern.test(line))) return line;
  }
  return undefined;
}

function findYesNoPrompt(lines: readonly string[], rules: ScreenRules): ScreenPrompt | undefined {
  const letterKeys = rules.letterKeys ?? ((letter: string) => [letter, "Enter"]);
  const nonEmpty = lines.filter((line) => line.trim() !== "").slice(-2);
  for (let k = nonEmpty.length - 1; k >= 0; k--) {
    const line = nonEmpty[k]!.trim();
    const yesNo = YES_NO.exec(line);
    if (yesNo) {
      const [yes, no] = yesNo.slice(1).filter(Boolean) as [string, string];
      const defaultYes = yes !== yes.toLowerCase() && no === no.toLowerCase();
      const defaultNo = no !== no.toLowerCase() && yes === yes.toLowerCase();
      return {
        kind: "yes-no",
        question: line,
        options: [
          { label: "Yes", keys: letterKeys("y"), ...(defaultYes ? { isDefault: true } : {}) },
          { label: "No", keys: letterKeys("n"), ...(defaultNo ? { isDefault: true } : {}) },
        ],
      };
    }
    const menu = LETTER_MENU.exec(line);
    if (menu) {
      const defaultLabel = menu[2]?.trim().toLowerCase();
      const options: PromptOption[] = menu[1]!.split("/").map((part) => {
        const letter = /\(([A-Za-z])\)/.exec(part)![1]!.toLowerCase();
        const label = part.replace(/\(([A-Za-z])\)/, "$1").trim();
        const isDefault = defaultLabel !== undefined && label.toLowerCase() === defaultLabel;
        return { label, keys: letterKeys(letter), ...(isDefault ? { isDefault } : {}) };
      });
      if (options.length >= 2) return { kind: "yes-no", question: line, options };
    }
  }
  return undefined;
}

/** Reads successive screens of one pane and reports each prompt once per appearance. */
export function createScreenDetector(rules: ScreenRules = {}): ScreenDetector {
  const empty: ScreenReading = { state: "unknown", errors: [] };
  let current = empty;

  return {
    get current() {
      return current;
    },
    reset() {
      current = empty;
    },
    update(screen) {
      const previous = current;
      const reading = readScreen(screen, rules);
      current = reading;
      const appeared =
        reading.prompt && (!previous.prompt || promptKey(previous.prompt) !== promptKey(reading.prompt))
          ? reading.prompt
          : undefined;
      const seen = new Map<string, number>();
      for (const line of previous.errors) seen.set(line, (seen.get(line) ?? 0) + 1);
      const newErrors: string[] = [];
      for (const line of reading.errors) {
        const left = seen.get(line) ?? 0;
        if (left > 0) seen.set(line, left - 1);
        else newErrors.push(line);
      }
      return { ...reading, previousState: previous.state, ...(appeared ? { appeared } : {}), newErrors };
    },
  };
}
