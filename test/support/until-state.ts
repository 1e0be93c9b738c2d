import type { AgentPane } from "../../src/agents/attach-agent-pane.js";
import type { ScreenState } from "../../src/agents/screen/screen-detector.js";
import { nextEvent } from "./next-event.js";

/** Resolves once the pane's screen reads as `state` (at once if it already does). */
export async function untilState(pane: AgentPane, state: ScreenState, timeoutMs = 10_000): Promise<void> {
  if (pane.reading.state === state) return;
  await nextEvent<[ScreenState]>(pane, "state", (next) => next === state, { timeoutMs, what: `screen state "${state}"` });
}
