import { timingSafeEqual } from "node:crypto";
import { sendAgentInput, type AgentInput, type AgentRuntime } from "../agents/runtimes/agent-runtime.js";
import { createScreenDetector, type ScreenDetector } from "../agents/screen/screen-detector.js";
import { promptKey, type ScreenPrompt } from "../agents/screen/screen-prompt.js";
import { stripAnsi } from "../agents/screen/strip-ansi.js";
import type { PaneExit } from "../agents/tmux/pane-watcher.js";
import type { TmuxDriver } from "../agents/tmux/tmux-driver.js";
import type { CommanderCore } from "../app/commander-core.js";
import type { Logger } from "../app/logger.js";
import { dismissEvent, isBlocking, raiseEvent } from "../domain/event-rules.js";
import { markMessageDelivered, undeliveredMessages } from "../domain/inbox-rules.js";
import { closeAgentFailure, failureReason, recordAgentFailure } from "../domain/agent-failure-rules.js";
import { firstBlockingEvent } from "../domain/project-rules.js";
import type { EventRecord, EventType, SessionRecord } from "../domain/records.js";
import { moveSession, updateSession } from "../domain/session-rules.js";
import { blockWork, completeWork, failWork, nextRunnableWork, requeueWork, startWork } from "../domain/work-rules.js";
import { HookTurns } from "./claude-hook-turns.js";
import { DIALOG_SETTLE_MS, optionForAnswer, settle } from "./turn-helpers.js";

/** After this many agent exits while working on the same item, the item fails instead of being retried. */
const MAX_ATTEMPTS = 3;

type Turn = { kind: "work"; workId: string; output: string } | { kind: "messages"; output: string };

interface OpenPrompt {
  eventId: string;
  prompt: ScreenPrompt;
  startup: boolean;
  shownAt: number;
}


export interface SessionControllerOptions {
  core: CommanderCore;
  driver: TmuxDriver;
  runtime: AgentRuntime;
  logger: Logger;
  sessionId: string;
  projectId: string;
  paneId: string;
  hookSecret: string;
  /** Stops reading the pane's screen (hook runtimes need it only until they are ready). */
  stopReadingScreen(): void;
  onReady(): void;
  onStartupQuestion(): void;
  /** `keptPane`: the dead pane is left open for inspection; the supervisor closes it at the next start. */
  onExit(reason: string, keptPane: boolean): void;
}

/**
 * Drives one running agent: notices when it is ready, hands it messages and work one turn at a time,
 * turns its questions into events, delivers the answers, and records how each turn ended. Everything it
 * learns comes from hooks (Claude Code) or from its screen (other runtimes), never from guessing on a timer.
 */
export class SessionController {
  readonly sessionId: string;
  readonly projectId: string;
  readonly paneId: string;
  private readonly detector: ScreenDetector;
  private turn: Turn | null = null;
  private dispatching = false;
  private stopping = false;
  private exited = false;
  private readonly openPrompts = new Map<string, OpenPrompt>();
  private readonly startupAnswers = new Map<string, { inputs: AgentInput[]; at: number }>();
  private screenQueue: Promise<void> = Promise.resolve();
  private readonly hooks: HookTurns;
  private readonly outputListeners = new Set<(data: string) => void>();
  private readonly log: Logger;

  constructor(private readonly options: SessionControllerOptions) {
    this.sessionId = options.sessionId;
    this.projectId = options.projectId;
    this.paneId = options.paneId;
    this.detector = createScreenDetector(options.runtime.screen);
    this.log = options.logger.child({ sessionId: options.sessionId, projectId: options.projectId, pane: options.paneId });
    this.hooks = new HookTurns({
      core: options.core,
      sessionId: options.sessionId,
      projectId: options.projectId,
      log: this.log,
      turnWorkId: () => (this.turn?.kind === "work" ? this.turn.workId : null),
      endTurn: () => {
        const turn = this.turn;
        this.turn = null;
        return turn;
      },
    });
  }

  private get core(): CommanderCore {
    return this.options.core;
  }

  private get record(): SessionRecord | undefined {
    return this.core.state.sessions.get(this.sessionId);
  }

  /** False once the agent was asked to stop or has exited. */
  get isLive(): boolean {
    return !this.stopping && !this.exited;
  }

  authenticates(authorization: string): boolean {
    const expected = Buffer.from(`Bearer ${this.options.hookSecret}`);
    const given = Buffer.from(authorization);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  onOutputListener(listener: (data: string) => void): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  onOutput(data: string): void {
    if (this.turn) this.turn.output += data;
    for (const listener of this.outputListeners) listener(data);
  }

  // ---- screen ---------------------------------------------------------------------------------------

  /** Screens are handled one at a time, in order: each decision depends on the one before. */
  onScreen(screen: string): Promise<void> {
    this.screenQueue = this.screenQueue.then(() => this.handleScreen(screen));
    return this.screenQueue;
  }

  private async handleScreen(screen: string): Promise<void> {
    if (this.exited || this.stopping) return;
    const session = this.record;
    if (!session) return;
    const reading = this.detector.update(screen);
    try {
      await this.closeVanishedPrompts(reading.prompt);
      if (session.state === "starting") {
        await this.onStartingScreen(reading.prompt, reading.state === "ready");
        return;
      }
      // Claude Code reports permission requests through its hook; its on-screen dialog is the same question.
      if (this.options.runtime.reportsThroughHooks) return;
      if (reading.appeared) {
        await this.raisePromptEvent(reading.appeared, false);
        return;
      }
      if (reading.newErrors.length > 0 && this.turn?.kind === "work") await this.failTurnOnScreenError(reading.newErrors);
      if (this.turn && reading.state === "ready" && this.turnProducedOutput()) await this.finishScreenTurn();
    } catch (error) {
      this.log.warn({ err: error }, "could not act on the agent's screen");
    }
  }

  private async onStartingScreen(dialog: ScreenPrompt | undefined, ready: boolean): Promise<void> {
    if (dialog) {
      if ([...this.openPrompts.values()].some((open) => promptKey(open.prompt) === promptKey(dialog))) return;
      const key = promptKey(dialog);
      const configured = this.options.runtime.autoAnswer(dialog);
      const earlier = this.startupAnswers.get(key);
      // Answered by configuration, or shown again right after a human answered it (the keys were lost in
      // a redraw): answer it without asking anyone (again).
      const inputs = configured ? [{ keys: configured }] : earlier && Date.now() - earlier.at < 10_000 ? earlier.inputs : undefined;
      if (inputs) {
        if (earlier && Date.now() - earlier.at < DIALOG_SETTLE_MS) return;
        this.startupAnswers.set(key, { inputs, at: Date.now() });
        await settle(Date.now());
        this.log.info({ dialog: dialog.dialog }, "answered a start-up dialog");
        await sendAgentInput(this.options.driver, this.paneId, inputs);
        this.startupAnswers.set(key, { inputs, at: Date.now() });
        return;
      }
      await this.raisePromptEvent(dialog, true);
      this.options.onStartupQuestion();
      return;
    }
    if (!ready) return;
    const leftOpen = [...this.openPrompts.values()].filter((open) => open.startup);
    for (const open of leftOpen) this.openPrompts.delete(open.eventId);
    await this.core.mutate(
      (ctx) => {
        // Dialogs answered in the terminal itself are over once the agent is ready.
        for (const open of leftOpen) if (ctx.state.events.get(open.eventId)?.status === "pending") dismissEvent(ctx, open.eventId);
        moveSession(ctx, this.sessionId, "ready", { stateReason: null });
        closeAgentFailure(ctx, this.sessionId);
      },
      { internal: true },
    );
    this.log.info("agent ready");
    // From now on a hook-reporting agent says everything through its hooks: re-reading its screen after
    // every burst of output would only cost CPU in the daemon and in tmux.
    if (this.options.runtime.reportsThroughHooks) this.options.stopReadingScreen();
    this.options.onReady();
  }

  private turnProducedOutput(): boolean {
    return this.turn !== null && this.turn.output.includes("\n");
  }

  private async finishScreenTurn(): Promise<void> {
    const turn = this.turn!;
    this.turn = null;
    const lines = stripAnsi(turn.output).replace(/\r/g, "").split("\n");
    // The first line echoes what was typed, the last one is the agent's prompt again.
    const result = lines.slice(1, -1).join("\n").trim();
    await this.core.mutate(
      (ctx) => {
        if (turn.kind === "work" && ctx.state.work.get(turn.workId)?.state === "in_progress") {
          completeWork(ctx, turn.workId, result);
        }
        if (ctx.state.sessions.get(this.sessionId)?.state === "busy") {
          moveSession(ctx, this.sessionId, "ready", { currentWorkId: null, stateReason: null });
        }
      },
      { internal: true },
    );
  }

  private async failTurnOnScreenError(errors: string[]): Promise<void> {
    const turn = this.turn as Extract<Turn, { kind: "work" }>;
    const text = errors.join("\n");
    await this.core.mutate(
      (ctx) => {
        raiseEvent(ctx, {
          projectId: this.projectId,
          type: "error",
          title: `The agent reported an error: ${errors[0].slice(0, 120)}`,
          content: text,
          sessionId: this.sessionId,
          workId: turn.workId,
          context: { source: "screen" },
        });
        if (ctx.state.work.get(turn.workId)?.state === "in_progress") failWork(ctx, turn.workId, text);
      },
      { internal: true },
    );
    // The turn still ends when the agent shows its prompt again, but there is nothing left to record.
    this.turn = { kind: "messages", output: turn.output };
  }

  private async raisePromptEvent(prompt: ScreenPrompt, startup: boolean): Promise<void> {
    const yesNo = prompt.kind === "yes-no";
    const type: EventType = yesNo ? "approval" : "decision_needed";
    const workId = this.turn?.kind === "work" ? this.turn.workId : null;
    const event = await this.core.mutate(
      (ctx) => {
        const raised = raiseEvent(ctx, {
          projectId: this.projectId,
          type,
          title: startup ? `The agent asks before starting: ${prompt.question}` : prompt.question,
          content: prompt.options.map((option, index) => `${index + 1}. ${option.label}`).join("\n"),
          options: prompt.options.map((option) => option.label),
          sessionId: this.sessionId,
          workId,
          context: { source: "screen", dialog: prompt.dialog ?? null, strict_options: !yesNo, startup },
        });
        if (workId && ctx.state.work.get(workId)?.state === "in_progress") {
          blockWork(ctx, workId, raised.id, `waiting on ${type} event ${raised.id}: ${prompt.question}`);
        }
        const session = ctx.state.sessions.get(this.sessionId);
        if (!startup && session && (session.state === "busy" || session.state === "idle")) {
          moveSession(ctx, this.sessionId, "wait");
        } else if (startup) {
          updateSession(ctx, this.sessionId, { stateReason: `waiting for an answer to ${raised.id}: ${prompt.question}` });
        }
        return raised;
      },
      { internal: true },
    );
    this.openPrompts.set(event.id, { eventId: event.id, prompt, startup, shownAt: Date.now() });
    this.log.info({ eventId: event.id, question: prompt.question }, "agent asks a question on screen");
  }

  /** A question that left the screen was answered in the terminal itself: its event is closed. */
  private async closeVanishedPrompts(current: ScreenPrompt | undefined): Promise<void> {
    for (const open of [...this.openPrompts.values()]) {
      // A start-up dialog is redrawn often and may be missing from a screen mid-redraw; it is closed when
      // the agent becomes ready instead.
      if (open.startup || (current && promptKey(current) === promptKey(open.prompt))) continue;
      this.openPrompts.delete(open.eventId);
      await this.core.mutate(
        (ctx) => {
          if (ctx.state.events.get(open.eventId)?.status === "pending") dismissEvent(ctx, open.eventId);
          if (ctx.state.sessions.get(this.sessionId)?.state === "waiting") moveSession(ctx, this.sessionId, "resume");
        },
        { internal: true },
      );
    }
  }

  // ---- dispatch -------------------------------------------------------------------------------------

  /** Hands the agent its next turn: undelivered inbox messages first, then the next runnable item. */
  async dispatchIfIdle(): Promise<void> {
    if (this.dispatching || this.stopping || this.exited || this.turn) return;
    const session = this.record;
    const project = this.core.state.projects.get(this.projectId);
    if (!session || !project || session.state !== "idle" || project.state === "paused") return;
    if (firstBlockingEvent(this.core.state, this.projectId)) return;
    this.dispatching = true;
    try {
      const messages = undeliveredMessages(this.core.state, this.projectId);
      if (messages.length > 0) {
        await this.core.mutate(
          (ctx) => {
            for (const message of messages) markMessageDelivered(ctx, message.id, this.sessionId);
            moveSession(ctx, this.sessionId, "dispatch", { currentWorkId: null });
          },
          { internal: true },
        );
        this.turn = { kind: "messages", output: "" };
        const text = messages.length === 1 ? messages[0].content : messages.map((message) => `- ${message.content}`).join("\n");
        // A conversational agent is told where the text comes from; a plain program gets the text alone.
        await this.typePrompt(this.options.runtime.reportsThroughHooks ? `Message from the user:\n${text}` : text);
        return;
      }
      const item = nextRunnableWork(this.core.state, this.projectId);
      if (!item) return;
      await this.core.mutate(
        (ctx) => {
          startWork(ctx, item.id);
          moveSession(ctx, this.sessionId, "dispatch", { currentWorkId: item.id });
        },
        { internal: true },
      );
      this.turn = { kind: "work", workId: item.id, output: "" };
      this.log.info({ workId: item.id }, "work dispatched");
      await this.typePrompt(item.content);
    } catch (error) {
      this.log.error({ err: error }, "dispatch failed");
    } finally {
      this.dispatching = false;
    }
  }

  private async typePrompt(text: string): Promise<void> {
    await sendAgentInput(this.options.driver, this.paneId, this.options.runtime.submitPrompt(text));
  }

  // ---- answers ----------------------------------------------------------------------------------------

  /** Delivers a resolved (or dismissed) event to the agent waiting on it; true when it reached one. */
  async deliver(event: EventRecord): Promise<boolean> {
    if (this.hooks.deliver(event)) return event.status === "resolved";
    const open = this.openPrompts.get(event.id);
    if (!open) return false;
    this.openPrompts.delete(event.id);
    if (event.status !== "resolved") {
      await this.resumeAfterAnswer(open);
      return false;
    }
    const option = optionForAnswer(open.prompt, event.resolution ?? "");
    // The turn's result is what the agent says after the last answer, not the question it asked.
    if (this.turn) this.turn.output = "";
    const inputs = this.options.runtime.answer(open.prompt, option);
    if (open.startup) {
      await settle(open.shownAt);
      this.startupAnswers.set(promptKey(open.prompt), { inputs, at: Date.now() });
    }
    await sendAgentInput(this.options.driver, this.paneId, inputs);
    await this.resumeAfterAnswer(open);
    this.log.info({ eventId: event.id }, "answer delivered to the agent's screen");
    return true;
  }

  private async resumeAfterAnswer(open: OpenPrompt): Promise<void> {
    if (open.startup) return;
    await this.core.mutate(
      (ctx) => {
        if (ctx.state.sessions.get(this.sessionId)?.state === "waiting") moveSession(ctx, this.sessionId, "resume");
      },
      { internal: true },
    );
  }

  /** Answers a hook call of the agent (Claude Code). */
  handleHook(payload: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>> {
    return this.hooks.handle(payload, signal);
  }

  // ---- end of life ------------------------------------------------------------------------------------

  /** Asks the agent to exit, then closes its window; the item in progress goes back to the queue. */
  async stop(reason: string, end: "stopped" | "error" = "stopped"): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.hooks.releaseWaiters();
    if (!this.exited) {
      // The runtime's own way out (`/exit`, end of input); an agent that does not leave in time is killed.
      await sendAgentInput(this.options.driver, this.paneId, this.options.runtime.exitInputs).catch(() => undefined);
      const deadline = Date.now() + 2000;
      while (!this.exited && Date.now() < deadline) {
        const status = await this.options.driver.paneStatus(this.paneId).catch(() => undefined);
        if (!status || !status.alive) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await this.options.driver.killWindow(this.paneId).catch(() => undefined);
    }
    await this.core.mutate((ctx) => this.releaseWork(ctx, reason, end), { internal: true });
  }

  /** The agent's program ended (or its pane vanished) without being asked to. */
  async onExit(exit: PaneExit, lastScreen: string): Promise<void> {
    if (this.exited) return;
    this.exited = true;
    this.hooks.releaseWaiters();
    if (this.stopping) return;
    if (exit.inspectable && exit.exitStatus === null && exit.exitSignal === null) {
      // tmux may record the exit status a moment after it reports the pane dead.
      const final = await this.options.driver.paneStatus(this.paneId).catch(() => undefined);
      if (final) exit = { ...exit, exitStatus: final.exitStatus, exitSignal: final.exitSignal };
    }
    const status = exit.exitSignal !== null ? `signal ${exit.exitSignal}` : `status ${exit.exitStatus ?? "unknown"}`;
    this.log.warn({ exit }, "agent exited");
    // The dead pane stays open for inspection (`attach`) until the next start; its screen is the clue.
    // Scrollback too: what a program printed before its window took its final size sits above the screen.
    const screen = exit.inspectable ? await this.options.driver.capture(this.paneId, { scrollback: 200 }).catch(() => lastScreen) : lastScreen;
    const failure = {
      projectId: this.projectId,
      sessionId: this.sessionId,
      runtime: this.options.runtime.name,
      status,
      exitStatus: exit.exitStatus,
      exitSignal: exit.exitSignal,
      screen: stripAnsi(screen),
    };
    const reason = failureReason(failure);
    await this.core.mutate(
      (ctx) => {
        this.releaseWork(ctx, reason, "error", exit.inspectable);
        recordAgentFailure(ctx, failure);
      },
      { internal: true },
    );
    this.options.onExit(reason, exit.inspectable);
  }

  private releaseWork(
    ctx: Parameters<Parameters<CommanderCore["mutate"]>[0]>[0],
    reason: string,
    end: "stopped" | "error",
    keepPane = false,
  ): void {
    const session = ctx.state.sessions.get(this.sessionId);
    for (const event of [...ctx.state.events.values()]) {
      if (event.sessionId === this.sessionId && event.status === "pending" && isBlocking(event)) dismissEvent(ctx, event.id);
    }
    const workId = session?.currentWorkId ?? (this.turn?.kind === "work" ? this.turn.workId : null);
    const item = workId ? ctx.state.work.get(workId) : undefined;
    if (item && (item.state === "in_progress" || item.state === "blocked")) {
      if (end === "error" && item.attempts >= MAX_ATTEMPTS) {
        failWork(ctx, item.id, `${reason}; gave up after ${item.attempts} attempts`);
      } else {
        requeueWork(ctx, item.id, `requeued: ${reason}`);
      }
    }
    this.turn = null;
    if (!session) return;
    const patch = { tmuxTarget: keepPane ? session.tmuxTarget : "", pid: 0, currentWorkId: null, stateReason: end === "error" ? reason : null };
    if (end === "error" && session.state === "error") {
      updateSession(ctx, this.sessionId, patch);
    } else if (end === "error" && session.state !== "stopped") {
      moveSession(ctx, this.sessionId, "fail", patch);
    } else if (session.state !== "stopped") {
      moveSession(ctx, this.sessionId, "stopped", patch);
    }
  }
}
