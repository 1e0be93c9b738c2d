import type { AgentRuntime } from "../agents/runtimes/agent-runtime.js";
import { stripAnsi } from "../agents/screen/strip-ansi.js";
import type { TmuxDriver } from "../agents/tmux/tmux-driver.js";
import type { Logger } from "../app/logger.js";
import type { Observation } from "../domain/agent-turn.js";

export interface TurnScreenWatchOptions {
  runtime: AgentRuntime;
  driver: TmuxDriver;
  paneId: string;
  log: Logger;
  /** Turns screen reading of the pane on or off (absent: the screen is never read during a turn). */
  readScreens?(enabled: boolean): void;
  /** A turn is in progress. */
  inTurn(): boolean;
  /** The agent was not asked to stop and has not exited. */
  isLive(): boolean;
  observe(observation: Observation): Promise<unknown>;
  /** Runs `task` after the screens already queued (screens are handled one at a time, in order). */
  enqueue(task: () => Promise<void>): void;
}

/**
 * Turns of a hook runtime that end without a hook (Esc in the terminal, a dialog cancelled there): the
 * screen is read again during the turn, and an idle prompt that stays on screen with no `Stop` hook ends it.
 */
export class TurnScreenWatch {
  /** How long the idle prompt must stay on screen, with no `Stop` hook, before the turn counts as interrupted. */
  static readonly IDLE_CONFIRM_MS = 3000;
  /** The agent took the turn's prompt (its `UserPromptSubmit` hook): an idle screen from then on ends the turn. */
  private promptTaken = false;
  private idleTimer: NodeJS.Timeout | null = null;
  /** The screen is read again for the turn in progress. */
  private watching = false;

  constructor(private readonly options: TurnScreenWatchOptions) {}

  /** A turn's prompt is about to be typed: read the screen again while it runs. */
  begin(): void {
    this.promptTaken = false;
    this.clearIdleTimer();
    if (this.options.runtime.readTurnScreen && this.options.readScreens) {
      this.watching = true;
      this.options.readScreens(true);
    }
  }

  /** The agent took the turn's prompt (`UserPromptSubmit`). */
  promptSubmitted(): void {
    this.promptTaken = true;
  }

  /** The turn is over: stop reading the screen. */
  end(): void {
    if (!this.watching) return;
    this.watching = false;
    this.clearIdleTimer();
    this.promptTaken = false;
    if (this.options.isLive()) this.options.readScreens?.(false);
  }

  async onScreen(screen: string): Promise<void> {
    const read = this.options.runtime.readTurnScreen;
    if (!read || !this.options.inTurn() || !this.promptTaken) return this.clearIdleTimer();
    const turn = read(stripAnsi(screen));
    if (turn.retrying) await this.options.observe({ type: "model_retrying", text: turn.retrying });
    if (!turn.idle) return this.clearIdleTimer();
    if (this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      this.options.enqueue(() => this.confirmIdle());
    }, TurnScreenWatch.IDLE_CONFIRM_MS);
    this.idleTimer.unref();
  }

  private async confirmIdle(): Promise<void> {
    const { runtime, driver, paneId, log } = this.options;
    const read = runtime.readTurnScreen;
    if (!read || !this.options.isLive() || !this.options.inTurn() || !this.promptTaken) return;
    const screen = await driver.capture(paneId, { trailingSpaces: true }).catch(() => undefined);
    if (screen === undefined) return;
    const turn = read(stripAnsi(screen));
    if (!turn.idle || !this.options.inTurn()) return;
    const reason = turn.interrupted
      ? "the turn was interrupted in the terminal (Esc: \"What should Claude do instead?\")"
      : "the turn ended in the terminal without an answer (Esc, or a dialog cancelled there)";
    log.info({ reason }, "turn ended without a Stop hook");
    await this.options.observe({ type: "turn_interrupted", reason }).catch((error: unknown) => log.warn({ err: error }, "could not end the turn"));
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}
