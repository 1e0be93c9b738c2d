import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import { sendAgentInput, type AgentRuntime } from "./runtimes/agent-runtime.js";
import { createScreenDetector, type ScreenReading, type ScreenState } from "./screen/screen-detector.js";
import { promptKey, type ScreenPrompt } from "./screen/screen-prompt.js";
import type { PaneExit, PaneWatcher } from "./tmux/pane-watcher.js";
import type { TmuxDriver } from "./tmux/tmux-driver.js";

export interface AgentPaneEvents {
  state: [state: ScreenState, previous: ScreenState];
  /** A prompt appeared on screen and stayed (once per appearance). */
  prompt: [prompt: ScreenPrompt];
  /** An error line appeared on screen. Not named "error": nothing here is an exception. */
  "screen-error": [line: string];
  exited: [exit: PaneExit];
}

export interface AgentPane extends EventEmitter<AgentPaneEvents> {
  readonly paneId: string;
  readonly runtime: AgentRuntime;
  /** The latest reading of the screen. */
  readonly reading: ScreenReading;
  screen(): string | undefined;
  submit(text: string): Promise<void>;
  answer(prompt: ScreenPrompt, optionIndex: number): Promise<void>;
  pressKeys(keys: readonly string[]): Promise<void>;
  /** Stops reading this pane (the pane itself stays). */
  detach(): void;
}

export interface AttachAgentPaneOptions {
  driver: TmuxDriver;
  watcher: PaneWatcher;
  runtime: AgentRuntime;
  paneId: string;
  logger: Logger;
  /**
   * Quiet time a prompt must stay on screen before it is reported. Claude Code draws its first dialog
   * before it reads keys: keys sent in the first few milliseconds were lost, from 150 ms on they landed.
   */
  promptSettleMs?: number;
}

/** Reads one agent's pane through its runtime's screen rules and types into it the runtime's way. */
export async function attachAgentPane(options: AttachAgentPaneOptions): Promise<AgentPane> {
  const { driver, watcher, runtime, paneId, promptSettleMs = 250 } = options;
  const log = options.logger.child({ component: "agent-pane", paneId, runtime: runtime.name });
  const detector = createScreenDetector(runtime.screen);
  const pane = new EventEmitter<AgentPaneEvents>() as AgentPane & { reading: ScreenReading };
  let reportedPrompt: string | undefined;
  let settleTimer: NodeJS.Timeout | undefined;
  let updated = false;

  const reportSettledPrompt = () => {
    settleTimer = undefined;
    const prompt = pane.reading.prompt;
    if (!prompt || promptKey(prompt) === reportedPrompt) return;
    reportedPrompt = promptKey(prompt);
    log.info({ question: prompt.question, dialog: prompt.dialog }, "prompt on screen");
    pane.emit("prompt", prompt);
  };
  const settle = () => {
    if (settleTimer) clearTimeout(settleTimer);
    settleTimer = setTimeout(reportSettledPrompt, promptSettleMs);
  };

  const onScreen = (id: string, screen: string) => {
    if (id !== paneId) return;
    updated = true;
    const update = detector.update(screen);
    pane.reading = update;
    if (update.state !== update.previousState) {
      log.debug({ state: update.state, previous: update.previousState }, "screen state changed");
      pane.emit("state", update.state, update.previousState);
    }
    if (!update.prompt) {
      reportedPrompt = undefined;
      if (settleTimer) clearTimeout(settleTimer);
      settleTimer = undefined;
    } else if (promptKey(update.prompt) !== reportedPrompt) {
      settle();
    }
    for (const line of update.newErrors) pane.emit("screen-error", line);
  };
  const onOutput = (id: string) => {
    if (id === paneId && settleTimer) settle();
  };
  const onExited = (exit: PaneExit) => {
    if (exit.paneId === paneId) pane.emit("exited", exit);
  };

  Object.assign(pane, {
    paneId,
    runtime,
    reading: detector.current,
    screen: () => watcher.screen(paneId),
    submit: (text: string) => sendAgentInput(driver, paneId, runtime.submitPrompt(text)),
    answer: (prompt: ScreenPrompt, optionIndex: number) => sendAgentInput(driver, paneId, runtime.answer(prompt, optionIndex)),
    pressKeys: (keys: readonly string[]) => driver.sendKeys(paneId, keys),
    detach() {
      if (settleTimer) clearTimeout(settleTimer);
      watcher.off("screen", onScreen);
      watcher.off("output", onOutput);
      watcher.off("exited", onExited);
      watcher.unwatch(paneId);
    },
  });
  watcher.on("screen", onScreen);
  watcher.on("output", onOutput);
  watcher.on("exited", onExited);
  await watcher.watch(paneId);
  // Already watched by someone else: no fresh `screen` event came, so read the one the watcher has.
  const initial = watcher.screen(paneId);
  if (!updated && initial !== undefined) onScreen(paneId, initial);
  return pane;
}
