import type { ScreenPrompt } from "../agents/screen/screen-prompt.js";
import { decideApproval } from "../domain/approval-decision.js";
import { CommanderError } from "../domain/commander-error.js";

/** How long a freshly shown start-up dialog is left to settle before keys are sent to it. */
export const DIALOG_SETTLE_MS = 300;

// Claude Code redraws a dialog right after showing it and drops keys sent in that moment.
export function settle(shownAt: number): Promise<void> {
  const wait = shownAt + DIALOG_SETTLE_MS - Date.now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
}

/** The index of the option named by a resolution (its label, its number, or an approval's words). */
export function optionForAnswer(prompt: ScreenPrompt, resolution: string): number {
  const byLabel = prompt.options.findIndex((option) => option.label.toLowerCase() === resolution.toLowerCase());
  if (byLabel >= 0) return byLabel;
  if (/^\d+$/.test(resolution) && prompt.options[Number(resolution) - 1]) return Number(resolution) - 1;
  if (prompt.kind === "yes-no") {
    const wanted = decideApproval(resolution).behavior === "allow" ? /^y/i : /^n/i;
    const option = prompt.options.findIndex((candidate) => wanted.test(candidate.label));
    if (option >= 0) return option;
  }
  throw new CommanderError("INVALID_RESOLUTION", `resolution: ${JSON.stringify(resolution)} is not one of the prompt's options`);
}

export function summariseToolInput(input: Record<string, unknown>): string {
  for (const key of ["command", "file_path", "path", "url", "pattern"]) {
    if (typeof input[key] === "string") return input[key] as string;
  }
  return "";
}

export function describeFailure(payload: Record<string, unknown>): string {
  const parts = [payload.error, payload.error_details, payload.message]
    .map((value) => (typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value)))
    .filter((value) => value !== "");
  return parts.length > 0 ? `the agent's turn failed: ${parts.join(": ")}` : "the agent's turn failed";
}
