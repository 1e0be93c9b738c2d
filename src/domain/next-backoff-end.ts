import type { CommanderState } from "./commander-state.js";

/** The earliest time (ms) after `now` when a queued item of the project comes out of its back-off, or null. */
export function nextBackoffEnd(state: CommanderState, projectId: string, now: number): number | null {
  let earliest: number | null = null;
  for (const item of state.unfinishedWorkOf(projectId)) {
    if (item.state !== "queued" || !item.notBefore) continue;
    const at = Date.parse(item.notBefore);
    if (at > now && (earliest === null || at < earliest)) earliest = at;
  }
  return earliest;
}
