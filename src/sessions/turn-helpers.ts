
/** How long a freshly shown start-up dialog is left to settle before keys are sent to it. */
export const DIALOG_SETTLE_MS = 300;

// Claude Code redraws a dialog right after showing it and drops keys sent in that moment.
export function settle(shownAt: number): Promise<void> {
  const wait = shownAt + DIALOG_SETTLE_MS - Date.now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
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
