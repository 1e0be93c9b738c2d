import { menuKeys, type ScreenPrompt } from "../screen/screen-prompt.js";
import { stripAnsi } from "../screen/strip-ansi.js";

export type ClaudeStartupDialog = "folder-trust" | "custom-api-key";

interface DialogShape {
  dialog: ClaudeStartupDialog;
  /** The line that identifies the dialog; also its question. */
  anchor: RegExp;
  question: string;
  /** Which option means "go ahead" (trust the folder, use the key). */
  accept: RegExp;
}

// As Claude Code 2.1.33x renders them (see docs/agents.md): an arrow-key menu whose
// selected line starts with "❯", above "Enter to confirm · Esc to cancel". Neither dialog fires a hook.
const DIALOGS: readonly DialogShape[] = [
  {
    dialog: "folder-trust",
    anchor: /Is this a project you created or one you trust\?/,
    question: "Is this a project you created or one you trust?",
    accept: /^Yes, I trust this folder/,
  },
  {
    dialog: "custom-api-key",
    anchor: /Detected a custom API key/,
    question: "Detected a custom API key in your environment. Do you want to use this API key?",
    accept: /^Yes\b/,
  },
];

const CONFIRM_HINT = /Enter to confirm/;
const SELECTED = /^\s*❯\s?/;

/**
 * Recognises Claude Code's startup dialogs on a rendered screen: the folder-trust question and the
 * custom-API-key question. Each option's keys move the menu cursor from where it is now and press Enter.
 */
export function detectClaudeStartupDialog(screen: string | readonly string[]): ScreenPrompt | undefined {
  const lines = typeof screen === "string" ? stripAnsi(screen).split("\n").map((line) => line.trimEnd()) : screen;
  for (const shape of DIALOGS) {
    const anchor = lines.findIndex((line) => shape.anchor.test(line));
    if (anchor < 0) continue;
    const hint = lines.findIndex((line, i) => i > anchor && CONFIRM_HINT.test(line));
    if (hint < 0) continue;
    // The menu is the block of non-empty lines right above the hint.
    let end = hint - 1;
    while (end > anchor && lines[end]!.trim() === "") end--;
    let start = end;
    while (start - 1 > anchor && lines[start - 1]!.trim() !== "") start--;
    const menu = lines.slice(start, end + 1);
    const selected = menu.findIndex((line) => SELECTED.test(line));
    if (selected < 0 || menu.length < 2) continue;
    return {
      kind: "choice",
      dialog: shape.dialog,
      question: shape.question,
      options: menu.map((line, i) => ({
        label: line.replace(SELECTED, "").trim(),
        keys: menuKeys(selected, i),
        ...(i === selected ? { isDefault: true } : {}),
      })),
    };
  }
  return undefined;
}

/** Keys that accept (trust the folder, use the key) or decline a recognised startup dialog. */
export function claudeStartupDialogKeys(prompt: ScreenPrompt, accept: boolean): string[] {
  const shape = DIALOGS.find((candidate) => candidate.dialog === prompt.dialog);
  if (!shape) throw new TypeError(`not a Claude Code startup dialog: ${prompt.dialog ?? prompt.question}`);
  const option = prompt.options.find((candidate) => shape.accept.test(candidate.label) === accept);
  if (!option) throw new TypeError(`no ${accept ? "accepting" : "declining"} option in the ${prompt.dialog} dialog`);
  return option.keys;
}
