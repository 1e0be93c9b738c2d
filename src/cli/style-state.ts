import type { Palette } from "./create-palette.js";

// Colours carry meaning at a glance: red needs attention, yellow waits for a human, green is done.
const stateColors: Record<string, keyof Omit<Palette, "enabled">> = {
  error: "red",
  failed: "red",
  instance_error: "red",
  budget: "red",
  critical: "red",
  blocked: "yellow",
  waiting: "yellow",
  paused: "yellow",
  pending: "yellow",
  approval: "yellow",
  decision_needed: "yellow",
  high: "yellow",
  working: "cyan",
  busy: "cyan",
  in_progress: "cyan",
  starting: "cyan",
  stopping: "cyan",
  completed: "green",
  resolved: "green",
  delivered: "green",
  idle: "green",
  cancelled: "dim",
  dismissed: "dim",
  stopped: "dim",
  low: "dim",
  info: "dim",
};

/** A state, type or priority word in the colour that says how much it needs attention. */
export function styleState(word: string, color: Palette): string {
  const style = stateColors[word];
  return style ? color[style](word) : word;
}
