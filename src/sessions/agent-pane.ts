import { sendAgentInput, type AgentInput, type AgentRuntime } from "../agents/runtimes/agent-runtime.js";
import { stripAnsi } from "../agents/screen/strip-ansi.js";
import type { TmuxDriver } from "../agents/tmux/tmux-driver.js";
import type { Logger } from "../app/logger.js";

/** The keys Commander sends to one agent's pane: input, answers typed into its own dialog, interrupt, exit. */
export class AgentPane {
  constructor(
    private readonly driver: TmuxDriver,
    readonly paneId: string,
    private readonly runtime: AgentRuntime,
    private readonly log: Logger,
  ) {}

  send(inputs: AgentInput[]): Promise<void> {
    return sendAgentInput(this.driver, this.paneId, inputs);
  }

  /** Types a late answer into the agent's own permission dialog; false when no dialog is on screen. */
  async answerDialog(allow: boolean): Promise<boolean> {
    const read = this.runtime.readTurnScreen;
    const screen = await this.driver.capture(this.paneId, { trailingSpaces: true }).catch(() => undefined);
    const dialog = read && screen !== undefined ? read(stripAnsi(screen)).dialog : undefined;
    if (!dialog) {
      this.log.warn({ allow }, "no dialog on screen to type the answer into");
      return false;
    }
    const labels = dialog.options.map((option) => option.label);
    const wanted = allow ? labels.findIndex((label) => /^yes\b/i.test(label)) : labels.findIndex((label) => /^no\b/i.test(label));
    const index = wanted >= 0 ? wanted : allow ? 0 : labels.length - 1;
    await this.send(this.runtime.answer(dialog, index));
    this.log.info({ allow, option: labels[index] }, "answer typed into the agent's own dialog");
    return true;
  }

  /** Interrupts the agent's turn when it still runs (its item was closed through the API, or it must exit). */
  async interruptIfBusy(): Promise<boolean> {
    const keys = this.runtime.interruptKeys;
    if (!keys) return false;
    const screen = await this.driver.capture(this.paneId, {}).catch(() => undefined);
    if (screen === undefined || !this.runtime.screen.busy?.some((pattern) => pattern.test(stripAnsi(screen)))) return false;
    this.log.info("interrupting the agent's turn");
    await this.driver.sendKeys(this.paneId, keys).catch(() => undefined);
    // Keys sent right after Escape would be read as part of an escape sequence: wait until the turn is over.
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const now = await this.driver.capture(this.paneId, {}).catch(() => undefined);
      if (now === undefined || !this.runtime.screen.busy?.some((pattern) => pattern.test(stripAnsi(now)))) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    return true;
  }

  // The runtime's own way out (`/exit`, end of input); an agent that does not leave in time is killed.
  async exit(exited: () => boolean): Promise<void> {
    const { runtime } = this;
    // A turn still running is interrupted first: Claude Code then takes the unanswered prompt back out of
    // its conversation, so a resumed conversation does not hold it (the model would see it twice).
    await this.interruptIfBusy();
    await this.send([...(runtime.clearInput ?? []), ...runtime.exitInputs]).catch(() => undefined);
    const deadline = Date.now() + 2000;
    while (!exited() && Date.now() < deadline) {
      const status = await this.driver.paneStatus(this.paneId).catch(() => undefined);
      if (!status || !status.alive) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.driver.killWindow(this.paneId).catch(() => undefined);
  }
}
