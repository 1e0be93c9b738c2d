import { timingSafeEqual } from "node:crypto";
import type { AgentInput, AgentRuntime } from "../agents/runtimes/agent-runtime.js";
import { createScreenDetector, type ScreenDetector } from "../agents/screen/screen-detector.js";
import { promptKey, type ScreenPrompt } from "../agents/screen/screen-prompt.js";
import { stripAnsi } from "../agents/screen/strip-ansi.js";
import type { PaneExit } from "../agents/tmux/pane-watcher.js";
import type { TmuxDriver } from "../agents/tmux/tmux-driver.js";
import type { CommanderCore } from "../app/commander-core.js";
import type { Logger } from "../app/logger.js";
import { initialTurnMemory, type Effect, type Observation, type TurnMemory } from "../domain/agent-turn.js";
import { decideTurn } from "../domain/decide-turn.js";
import type { EventRecord, SessionRecord } from "../domain/records.js";
import { AgentPane } from "./agent-pane.js";
import { hookObservation, hookReply } from "./claude-hook-turns.js";
import { HookWaiters } from "./hook-waiters.js";
import { screenQuestion } from "./screen-question.js";
import { DIALOG_SETTLE_MS, settle } from "./turn-helpers.js";
import { TurnScreenWatch } from "./turn-screen-watch.js";
import type { TurnUsageMeter } from "../usage/turn-usage-meter.js";

export interface SessionControllerOptions {
  core: CommanderCore;
  driver: TmuxDriver;
  runtime: AgentRuntime;
  logger: Logger;
  sessionId: string;
  projectId: string;
  paneId: string;
  hookSecret: string;
  /** Measures each work turn's usage and enforces the project's budget (src/usage). */
  usage?: TurnUsageMeter;
  /** The agent continued an earlier conversation (Claude Code's `--resume`). */
  resumed?: boolean;
  /** Stops reading the pane's screen (hook runtimes need it only until they are ready). */
  stopReadingScreen(): void;
  /** Reads the pane's screen again (hook runtimes, during a turn: a turn may end without a hook). */
  readScreens?(enabled: boolean): void;
  onReady(): void;
  onStartupQuestion(): void;
  /** `keptPane`: the dead pane is left open for inspection; the supervisor closes it at the next start. */
  onExit(reason: string, keptPane: boolean): void;
}

/**
 * The imperative shell of one running agent: it turns what tmux and the agent's hooks show into
 * observations, lets the turn policy (src/domain/decide-turn.ts) decide, and carries out the effects —
 * typing, pressing keys, replying to hook calls, closing the window. It holds no policy of its own.
 */
export class SessionController {
  readonly sessionId: string;
  readonly projectId: string;
  readonly paneId: string;
  private memory: TurnMemory;
  private readonly detector: ScreenDetector;
  /** What the agent printed since the turn started (or since the last answer): a screen turn's result. */
  private output = "";
  private readonly screenPrompts = new Map<string, { prompt: ScreenPrompt; shownAt: number }>();
  private readonly hookWaiters = new HookWaiters();
  private readonly startupAnswers = new Map<string, { inputs: AgentInput[]; at: number }>();
  private screenQueue: Promise<void> = Promise.resolve();
  private readonly outputListeners = new Set<(data: string) => void>();
  private readonly log: Logger;
  /** Set at the first exit report, before anything is awaited: the watcher may report an exit twice. */
  private exitSeen = false;
  private readonly pane: AgentPane;
  /** Turns that end without a hook (hook runtimes). */
  private readonly turnScreen: TurnScreenWatch;
  /** An interruption of the agent's turn is being carried out. */
  private interrupting = false;
  /** Late answers typed into the agent's own dialog, by event id, until `deliver` reports them. */
  private readonly paneAnswers = new Map<string, boolean>();

  constructor(private readonly options: SessionControllerOptions) {
    this.sessionId = options.sessionId;
    this.projectId = options.projectId;
    this.paneId = options.paneId;
    this.memory = initialTurnMemory(options.runtime.name, options.runtime.reportsThroughHooks, options.resumed ?? false);
    this.detector = createScreenDetector(options.runtime.screen);
    this.log = options.logger.child({ sessionId: options.sessionId, projectId: options.projectId, pane: options.paneId });
    this.pane = new AgentPane(options.driver, options.paneId, options.runtime, this.log);
    this.turnScreen = new TurnScreenWatch({
      runtime: options.runtime,
      driver: options.driver,
      paneId: options.paneId,
      log: this.log,
      readScreens: options.readScreens,
      inTurn: () => Boolean(this.memory.turn),
      isLive: () => this.isLive,
      observe: (observation) => this.observe(observation),
      enqueue: (task) => {
        this.screenQueue = this.screenQueue.then(task);
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
    return !this.memory.stopping && !this.memory.exited;
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
    if (this.memory.turn) this.output += data;
    for (const listener of this.outputListeners) listener(data);
  }

  /** Feeds one observation to the turn policy and carries out what it decides. */
  private async observe(observation: Observation): Promise<Effect[]> {
    const usage = this.options.usage;
    const ended = usage ? await usage.measureEnd(this.memory.turn, observation) : null;
    let interrupts = false;
    const effects = await this.core.mutate(
      (ctx) => {
        // Nothing is typed into the agent while its turn is being interrupted (keys right after Escape are
        // misread); the next turn is offered once the interruption is over.
        if (observation.type === "turn_possible" && this.interrupting) return [];
        usage?.attach(ctx, ended);
        const decision = decideTurn(ctx, this.sessionId, this.memory, observation);
        this.memory = decision.memory;
        usage?.afterDecision(ctx, ended);
        interrupts = decision.effects.some((effect) => effect.type === "interrupt_agent");
        if (interrupts) this.interrupting = true;
        return decision.effects;
      },
      { internal: true },
    );
    await usage?.turnStarted(this.memory.turn).catch((error) => this.log.warn({ err: error }, "could not record the turn's start"));
    try {
      for (const effect of effects) await this.carryOut(effect);
    } finally {
      if (interrupts) {
        this.interrupting = false;
        setImmediate(() => void this.dispatchIfIdle());
      }
    }
    if (!this.memory.turn) this.turnScreen.end();
    return effects;
  }

  private async carryOut(effect: Effect): Promise<void> {
    switch (effect.type) {
      case "type_prompt": {
        const { runtime } = this.options;
        this.turnScreen.begin();
        await this.pane.send([...(runtime.clearInput ?? []), ...runtime.submitPrompt(effect.text)]);
        return;
      }
      case "answer_pane_dialog":
        this.paneAnswers.set(effect.eventId, await this.pane.answerDialog(effect.allow));
        return;
      case "interrupt_agent":
        await this.pane.interruptIfBusy();
        return;
      case "answer_screen": {
        const open = this.screenPrompts.get(effect.eventId);
        this.screenPrompts.delete(effect.eventId);
        if (!open) return;
        const inputs = this.options.runtime.answer(open.prompt, effect.optionIndex);
        if (effect.startup) {
          await settle(open.shownAt);
          this.startupAnswers.set(promptKey(open.prompt), { inputs, at: Date.now() });
        }
        await this.pane.send(inputs);
        this.log.info({ eventId: effect.eventId }, "answer delivered to the agent's screen");
        return;
      }
      case "answer_hook":
        this.hookWaiters.answer(effect.eventId, effect.decision);
        return;
      case "await_answer":
        // Screen prompts are registered by the caller, which knows the prompt; hook calls wait in handleHook.
        return;
      case "forget_question":
        this.screenPrompts.delete(effect.eventId);
        return;
      case "reset_output":
        this.output = "";
        return;
      case "exit_agent":
        await this.pane.exit(() => this.memory.exited);
        return;
      case "stop_reading_screen":
        this.options.stopReadingScreen();
        return;
      case "report_ready":
        this.log.info("agent ready");
        this.options.onReady();
        return;
      case "report_startup_question":
        this.options.onStartupQuestion();
        return;
      case "report_exit":
        this.options.onExit(effect.reason, effect.paneKept);
        return;
    }
  }

  // ---- screen ---------------------------------------------------------------------------------------

  /** Screens are handled one at a time, in order: each decision depends on the one before. */
  onScreen(screen: string): Promise<void> {
    this.screenQueue = this.screenQueue.then(() => this.handleScreen(screen));
    return this.screenQueue;
  }

  private async handleScreen(screen: string): Promise<void> {
    if (!this.isLive) return;
    const session = this.record;
    if (!session) return;
    const reading = this.detector.update(screen);
    try {
      const currentKey = reading.prompt ? promptKey(reading.prompt) : null;
      if (this.memory.questions.some((open) => open.source === "screen" && !open.startup && open.key !== currentKey)) {
        await this.observe({ type: "questions_vanished", currentKey });
      }
      if (session.state === "starting") {
        if (reading.prompt) await this.onStartupDialog(reading.prompt);
        else if (reading.state === "ready") await this.observe({ type: "ready" });
        return;
      }
      // Claude Code reports permission requests through its hook; its on-screen dialog is the same question.
      if (this.options.runtime.reportsThroughHooks) {
        await this.turnScreen.onScreen(screen);
        return;
      }
      if (reading.appeared) {
        await this.ask({ type: "asked", question: screenQuestion(reading.appeared) }, reading.appeared);
        return;
      }
      if (reading.newErrors.length > 0) await this.observe({ type: "error_shown", lines: reading.newErrors });
      if (this.memory.turn && reading.state === "ready" && this.output.includes("\n")) {
        const lines = stripAnsi(this.output).replace(/\r/g, "").split("\n");
        // The first line echoes what was typed, the last one is the agent's prompt again.
        await this.observe({ type: "turn_ended", message: lines.slice(1, -1).join("\n").trim() });
      }
    } catch (error) {
      this.log.warn({ err: error }, "could not act on the agent's screen");
    }
  }

  private async onStartupDialog(dialog: ScreenPrompt): Promise<void> {
    const key = promptKey(dialog);
    if (this.memory.questions.some((open) => open.key === key)) return;
    const configured = this.options.runtime.autoAnswer(dialog);
    const earlier = this.startupAnswers.get(key);
    // Answered by configuration, or shown again right after a human answered it (the keys were lost in
    // a redraw): answer it without asking anyone (again).
    const inputs = configured ? [{ keys: configured }] : earlier && Date.now() - earlier.at < 10_000 ? earlier.inputs : undefined;
    if (!inputs) {
      await this.ask({ type: "dialog_shown", question: screenQuestion(dialog) }, dialog);
      return;
    }
    if (earlier && Date.now() - earlier.at < DIALOG_SETTLE_MS) return;
    this.startupAnswers.set(key, { inputs, at: Date.now() });
    await settle(Date.now());
    this.log.info({ dialog: dialog.dialog }, "answered a start-up dialog");
    await this.pane.send(inputs);
    this.startupAnswers.set(key, { inputs, at: Date.now() });
  }

  private async ask(observation: Observation, prompt: ScreenPrompt): Promise<void> {
    const shownAt = Date.now();
    const effects = await this.observe(observation);
    for (const effect of effects) {
      if (effect.type !== "await_answer") continue;
      this.screenPrompts.set(effect.eventId, { prompt, shownAt });
      this.log.info({ eventId: effect.eventId, question: prompt.question }, "agent asks a question on screen");
    }
  }

  // ---- dispatch and answers -------------------------------------------------------------------------

  /** Hands the agent its next turn if it can take one: inbox messages first, then the next runnable item. */
  async dispatchIfIdle(): Promise<void> {
    if (!this.isLive || this.memory.turn) return;
    try {
      const effects = await this.observe({ type: "turn_possible" });
      const turn = (this.memory as TurnMemory).turn;
      if (turn?.kind === "work" && effects.length > 0) this.log.info({ workId: turn.workId }, "work dispatched");
    } catch (error) {
      this.log.error({ err: error }, "dispatch failed");
    }
  }

  /** Delivers a resolved (or dismissed) event to the agent waiting on it; true when an answer reached it. */
  async deliver(event: EventRecord): Promise<boolean> {
    if (event.status === "pending") return false;
    const effects = await this.observe({ type: "answered", eventId: event.id, status: event.status, resolution: event.resolution ?? "" });
    const typed = this.paneAnswers.get(event.id);
    this.paneAnswers.delete(event.id);
    if (typed === false) await this.observe({ type: "pane_answer_undeliverable", eventId: event.id });
    return effects.some(
      (effect) => effect.type === "answer_screen" || (effect.type === "answer_hook" && event.status === "resolved") || (effect.type === "answer_pane_dialog" && typed === true),
    );
  }

  /** The item `workId` was completed, failed or cancelled through the API: if it is this agent's turn, the turn ends. */
  async workClosed(workId: string): Promise<void> {
    this.log.debug({ workId, turn: this.memory.turn }, "work closed through the API");
    if (!this.isLive || this.memory.turn?.kind !== "work" || this.memory.turn.workId !== workId) return;
    await this.observe({ type: "work_closed", workId }).catch((error: unknown) => this.log.warn({ err: error }, "could not end the turn"));
  }

  /** Answers a hook call of the agent (Claude Code). */
  async handleHook(payload: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>> {
    const observation = hookObservation(payload);
    this.log.debug({ hook: payload.hook_event_name }, "hook received");
    this.options.usage?.noteHook(payload);
    const overBudget = (await this.options.usage?.budgetDenial(this.memory.turn, payload)) ?? null;
    if (overBudget !== null && payload.hook_event_name === "PermissionRequest") return hookReply({ behavior: "deny", message: overBudget });
    if (observation?.type === "prompt_submitted" && this.memory.turn) this.turnScreen.promptSubmitted();
    if (!observation) return {};
    const effects = await this.observe(observation);
    const waiting = effects.find((effect) => effect.type === "await_answer");
    if (!waiting) {
      // Answered at once (a project policy rule): the reply goes back on this call.
      const immediate = effects.find((effect) => effect.type === "answer_hook" && effect.decision !== null);
      if (immediate?.type === "answer_hook" && immediate.decision) {
        this.log.info({ eventId: immediate.eventId, tool: payload.tool_name }, "permission answered by the project's policy");
        return hookReply(immediate.decision);
      }
      return {};
    }
    this.log.info({ eventId: waiting.eventId, tool: payload.tool_name }, "agent asks permission");
    const decision = await this.hookWaiters.wait(waiting.eventId, signal);
    if (decision === null) {
      // The hook call ended first (its timeout, or the agent went away): the agent now shows its own
      // dialog, which a person attached to the pane can still answer.
      await this.observe({ type: "question_abandoned", eventId: waiting.eventId }).catch(() => undefined);
      return {};
    }
    return hookReply(decision);
  }

  // ---- end of life ------------------------------------------------------------------------------------

  /** Asks the agent to exit, then closes its window; the item in progress goes back to the queue. */
  async stop(reason: string, end: "stopped" | "error" = "stopped", stateReason?: string): Promise<void> {
    if (this.memory.stopping) return;
    await this.observe({ type: "stop_requested" });
    await this.observe({ type: "stopped", reason, end, ...(stateReason ? { stateReason } : {}) });
  }

  /** The agent's program ended (or its pane vanished). */
  async onExit(exit: PaneExit, lastScreen: string): Promise<void> {
    if (this.exitSeen || this.memory.exited) return;
    this.exitSeen = true;
    if (this.memory.stopping) {
      await this.observe({ type: "exited", status: "", exitStatus: null, exitSignal: null, screen: "", paneKept: false });
      return;
    }
    if (exit.inspectable && exit.exitStatus === null && exit.exitSignal === null) {
      // tmux may record the exit status a moment after it reports the pane dead.
      const final = await this.options.driver.paneStatus(this.paneId).catch(() => undefined);
      if (final) exit = { ...exit, exitStatus: final.exitStatus, exitSignal: final.exitSignal };
    }
    this.log.warn({ exit }, "agent exited");
    // The dead pane stays open for inspection (`attach`) until the next start; its screen is the clue.
    // Scrollback too: what a program printed before its window took its final size sits above the screen.
    const screen = exit.inspectable ? await this.options.driver.capture(this.paneId, { scrollback: 200 }).catch(() => lastScreen) : lastScreen;
    await this.observe({
      type: "exited",
      status: exit.exitSignal !== null ? `signal ${exit.exitSignal}` : `status ${exit.exitStatus ?? "unknown"}`,
      exitStatus: exit.exitStatus,
      exitSignal: exit.exitSignal,
      screen: stripAnsi(screen),
      paneKept: exit.inspectable,
    });
  }
}
