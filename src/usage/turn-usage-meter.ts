import { open, stat } from "node:fs/promises";
import { isAbsolute } from "node:path";
import type { CommanderCore } from "../app/commander-core.js";
import type { Logger } from "../app/logger.js";
import type { Observation, Turn } from "../domain/agent-turn.js";
import { describeExceeded, enforceBudget } from "../domain/budget-rules.js";
import type { DomainContext } from "../domain/domain-context.js";
import type { PriceTable } from "../domain/price-table.js";
import { attachWorkUsage, NOT_REPORTED, workUsage, type TurnMeasurement } from "../domain/usage-rules.js";
import { hasFinalAnswer, hasPendingToolUse, transcriptUsage, type TranscriptWindow } from "./claude-transcript.js";
import { changedFiles, snapshotTree, type TreeSnapshot } from "./git-snapshot.js";

/** Observations after which the turn's work item is over (completed, failed or given back to the queue). */
const TURN_ENDING: ReadonlySet<Observation["type"]> = new Set(["turn_ended", "turn_failed", "error_shown", "stopped", "exited"]);

const TRANSCRIPT_WAIT_MS = 5000;

export interface TurnUsageMeterOptions {
  core: CommanderCore;
  logger: Logger;
  sessionId: string;
  projectId: string;
  projectPath: string;
  runtimeName: string;
  /** The runtime writes a Claude Code transcript (its hooks name it). */
  readsClaudeTranscript: boolean;
  prices: PriceTable;
}

/**
 * Measures a session's work turns — tokens and models from the agent's transcript, the files changed
 * (git trees at start and end), wall time — and enforces the project's budget. The session controller
 * calls it at three places: before an observation is decided (`measureEnd`, `attach`), after it
 * (`afterDecision`), and on every hook (`noteHook`, `budgetDenial`). The rules are pure
 * (src/domain/usage-rules.ts, budget-rules.ts); this is their I/O.
 */
export class TurnUsageMeter {
  private transcriptPath: string | null = null;
  private current: { workId: string; startedAt: string; before: Promise<TreeSnapshot>; transcriptStart: { path: string; offset: number } | null } | null = null;
  private readonly log: Logger;

  constructor(private readonly options: TurnUsageMeterOptions) {
    this.log = options.logger.child({ component: "usage" });
  }

  /** Every Claude Code hook names the transcript file (an absolute `.jsonl` path; nothing else is read). */
  noteHook(payload: Record<string, unknown>): void {
    const path = payload.transcript_path;
    if (typeof path === "string" && isAbsolute(path) && path.endsWith(".jsonl")) this.transcriptPath = path;
  }

  /** The turn of `turn` just began (the prompt is not typed yet): remember the tree it starts from. */
  async turnStarted(turn: Turn | null): Promise<void> {
    if (turn?.kind !== "work" || this.current?.workId === turn.workId) return;
    const startedAt = this.options.core.state.work.get(turn.workId)?.startedAt ?? new Date().toISOString();
    const before = snapshotTree(this.options.projectPath);
    // Where the transcript ends now: the turn's entries come after it, so long conversations are not re-read.
    const path = this.transcriptPath;
    const transcriptStart = path === null ? null : { path, offset: await stat(path).then((info) => info.size, () => 0) };
    this.current = { workId: turn.workId, startedAt, before, transcriptStart };
    // Awaited before the prompt is typed: a program that acts at once must not change files first.
    await before;
  }

  /** When `observation` may end the work turn in progress: what the turn used, measured now. */
  async measureEnd(turn: Turn | null, observation: Observation): Promise<{ workId: string; measured: TurnMeasurement } | null> {
    if (turn?.kind !== "work" || !TURN_ENDING.has(observation.type)) return null;
    try {
      if (observation.type === "turn_ended") {
        const message = observation.message;
        await this.awaitTranscript(turn.workId, (text, window) => hasFinalAnswer(text, window, message));
      }
      return { workId: turn.workId, measured: await this.measure(turn.workId, true) };
    } catch (error) {
      this.log.warn({ err: error, workId: turn.workId }, "could not measure the turn's usage");
      return null;
    }
  }

  /** Inside the transaction that ends the item: its usage, so the completion carries it. */
  attach(ctx: DomainContext, ended: { workId: string; measured: TurnMeasurement } | null): void {
    if (!ended) return;
    attachWorkUsage(ctx, ended.workId, workUsage(ctx.state, ended.workId, ended.measured, this.options.prices, ctx.now));
  }

  /** After the item ended: the project may have reached its budget. */
  afterDecision(ctx: DomainContext, ended: { workId: string } | null): void {
    if (!ended) return;
    if (this.current?.workId === ended.workId) this.current = null;
    enforceBudget(ctx, this.options.projectId, null);
  }

  /**
   * Checked on each hook while a work turn runs: when the spending so far reached the budget, the project
   * is paused (one `budget` event) and the text says why the agent's next tool use is refused.
   */
  async budgetDenial(turn: Turn | null, payload: Record<string, unknown>): Promise<string | null> {
    if (turn?.kind !== "work" || !this.options.core.state.projects.get(this.options.projectId)?.budget) return null;
    const workId = turn.workId;
    let measured: TurnMeasurement;
    try {
      const toolName = payload.tool_name;
      if (payload.hook_event_name === "PermissionRequest" && typeof toolName === "string") {
        await this.awaitTranscript(workId, (text, window) => hasPendingToolUse(text, window, toolName));
      }
      measured = await this.measure(workId, false);
    } catch (error) {
      this.log.warn({ err: error, workId }, "could not measure the turn's usage");
      return null;
    }
    const exceeded = await this.options.core.mutate(
      (ctx) => enforceBudget(ctx, this.options.projectId, { workId, usage: workUsage(ctx.state, workId, measured, this.options.prices, ctx.now) }),
      { internal: true },
    );
    if (!exceeded) return null;
    this.log.warn({ workId, limit: exceeded.limit }, "budget reached; the agent's tool use is refused");
    return `Commander refused this tool use: the project's ${describeExceeded(exceeded)}. The project is paused; stop here and report what you did so far.`;
  }

  /**
   * Claude Code fires its hooks before the response they are about reaches its transcript file (observed
   * with 2.1.33x: up to a second or more later): PermissionRequest before the response asking for the tool,
   * Stop before the final answer. Waits (a bounded time) until the transcript shows it.
   */
  private async awaitTranscript(workId: string, arrived: (text: string, window: TranscriptWindow) => boolean): Promise<void> {
    const path = this.transcriptPath;
    if (path === null || !this.options.readsClaudeTranscript) return;
    const window = { since: this.options.core.state.work.get(workId)?.startedAt ?? new Date(0).toISOString(), until: null };
    const deadline = Date.now() + TRANSCRIPT_WAIT_MS;
    while (Date.now() < deadline) {
      if (arrived((await this.readTranscript(workId)) ?? "", window)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.log.warn({ workId }, "the agent's transcript did not show the turn's latest response in time; its usage may be missing");
  }

  /** The transcript from where the work turn began (the whole file when that is not known). */
  private async readTranscript(workId: string): Promise<string | null> {
    const path = this.transcriptPath;
    if (path === null) return null;
    const start = this.current?.workId === workId && this.current.transcriptStart?.path === path ? this.current.transcriptStart.offset : 0;
    try {
      const handle = await open(path, "r");
      try {
        const { size } = await handle.stat();
        const buffer = Buffer.alloc(Math.max(0, size - start));
        await handle.read(buffer, 0, buffer.length, start);
        return buffer.toString("utf8");
      } finally {
        await handle.close();
      }
    } catch {
      return null;
    }
  }

  private async measure(workId: string, final: boolean): Promise<TurnMeasurement> {
    const startedAt = this.current?.workId === workId ? this.current.startedAt : (this.options.core.state.work.get(workId)?.startedAt ?? new Date().toISOString());
    const endedAt = final ? new Date().toISOString() : null;
    const measurement: TurnMeasurement = {
      sessionId: this.options.sessionId,
      runtime: this.options.runtimeName,
      startedAt,
      endedAt,
      tokens: null,
      tokensMissingReason: NOT_REPORTED,
      changedFiles: null,
      changedFilesMissingReason: "the turn's start was not recorded",
      treeBefore: null,
      treeAfter: null,
      transcriptPath: this.transcriptPath,
    };
    if (this.options.readsClaudeTranscript) {
      if (this.transcriptPath === null) {
        measurement.tokensMissingReason = "the agent named no transcript";
      } else {
        const text = await this.readTranscript(workId);
        if (text === null) measurement.tokensMissingReason = `the transcript ${this.transcriptPath} could not be read`;
        else {
          const usage = transcriptUsage(text, { since: startedAt, until: null });
          measurement.tokens = { byModel: usage.tokensByModel, models: usage.models, modelCalls: usage.modelCalls, toolUses: usage.toolUses };
          measurement.tokensMissingReason = null;
        }
      }
    }
    if (final && this.current?.workId === workId) {
      const before = await this.current.before;
      const after = await snapshotTree(this.options.projectPath);
      if ("problem" in before) measurement.changedFilesMissingReason = before.problem;
      else if ("problem" in after) measurement.changedFilesMissingReason = after.problem;
      else {
        measurement.treeBefore = before.tree;
        measurement.treeAfter = after.tree;
        measurement.changedFiles = await changedFiles(after.root, before.tree, after.tree);
        measurement.changedFilesMissingReason = null;
      }
    }
    return measurement;
  }
}
