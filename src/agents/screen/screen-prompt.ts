/** One way to answer a prompt seen on screen. */
export interface PromptOption {
  label: string;
  /** tmux key names that pick this option (for `TmuxDriver.sendKeys`). */
  keys: string[];
  /** Pre-selected (the `❯` cursor) or the default (`[Y/n]`). */
  isDefault?: boolean;
}

/** A question the program shows and waits on. */
export interface ScreenPrompt {
  kind: "choice" | "yes-no";
  /** Set when a runtime recognised a known dialog ("folder-trust", "permission", ...). */
  dialog?: string;
  question: string;
  options: PromptOption[];
}

/** Identity of a prompt across screens: the same question with the same options, wherever the cursor is. */
export function promptKey(prompt: ScreenPrompt): string {
  return [prompt.kind, prompt.dialog ?? "", prompt.question, ...prompt.options.map((option) => option.label)].join("\u0000");
}

/** Keys that move an arrow-key menu's cursor from `from` to `to` and confirm. */
export function menuKeys(from: number, to: number): string[] {
  const moves: string[] = Array.from({ length: Math.abs(to - from) }, () => (to > from ? "Down" : "Up"));
  return [...moves, "Enter"];
}
