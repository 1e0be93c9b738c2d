import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { CommanderCore } from "../app/commander-core.js";
import type { DomainContext } from "../domain/domain-context.js";
import type { OutboxRecord } from "../domain/records.js";
import { signAnswerLink } from "./answer-links.js";
import { buildMessage, type OutgoingRequest } from "./build-message.js";
import { afterAttempt, type AttemptResult } from "./delivery-policy.js";
import type { NotificationSettings } from "./notification-settings.js";
import type { NotificationTarget } from "./notification-target.js";
import { allTargets } from "./notification-targets.js";
import { enqueueHappening, happeningsOf } from "./plan-notifications.js";

export interface NotificationCenterOptions {
  core: CommanderCore;
  configTargets: readonly NotificationTarget[];
  settings: NotificationSettings;
  answerLinkKey: Buffer;
  logger: Logger;
  now?: () => Date;
  random?: () => number;
}

/**
 * Delivers the outbox: the imperative shell around the pure rules (plan-notifications, delivery-policy,
 * build-message). Each target gets its messages one at a time, oldest first; at most `concurrency`
 * attempts are in flight overall, each bounded by `attemptTimeoutMs`, so a slow or dead receiver delays
 * only its own messages and never an API call.
 */
export class NotificationCenter {
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly busyTargets = new Set<string>();
  private readonly inFlight = new Map<string, AbortController>();
  /** Per target: since when its attempts fail (cleared by a delivery), and whether health was told. */
  private readonly failing = new Map<string, { since: number; reported: boolean; lastError: string }>();
  private readonly seenProblems = new Set<string>();
  /** Records whose last outcome could not be written (a full disk): not sent again before this time. */
  private readonly unrecorded = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private baseUrl = "";
  private ticking = false;
  private stopped = false;

  constructor(private readonly options: NotificationCenterOptions) {
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
  }

  /** The planner, for CommanderCore's `beforeCommit`: queues notifications in the happening's transaction. */
  plan(ctx: DomainContext): void {
    // Most transactions report nothing: the targets are read only when one does.
    const happenings = happeningsOf(ctx);
    if (happenings.length === 0) return;
    const targets = this.targets(ctx);
    for (const happening of happenings) enqueueHappening(ctx, targets, { coalesceMs: this.options.settings.coalesceMs }, happening);
  }

  targets(ctx?: { state: CommanderCore["state"] }): NotificationTarget[] {
    return allTargets(this.options.configTargets, (ctx ?? this.options.core).state);
  }

  start(daemonUrl: string): void {
    this.baseUrl = this.options.settings.publicUrl || daemonUrl;
    // Problems present at start-up (a damaged state file) are reported like later ones.
    this.timer = setInterval(() => void this.tick(), this.options.settings.pollMs);
    this.timer.unref();
    void this.tick();
  }

  /** Stops sending; attempts in flight are abandoned and stay pending (retried after the next start). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    for (const controller of this.inFlight.values()) controller.abort(new Error("the daemon is shutting down"));
  }

  /** Sends a test message to a target now, outside the outbox. */
  async test(target: NotificationTarget): Promise<{ delivered: boolean; status: number; error: string }> {
    const now = this.now();
    const record: OutboxRecord = {
      id: `test-${randomBytes(6).toString("hex")}`,
      target: target.name,
      happening: "needs_input",
      projectId: "",
      state: "pending",
      attempts: 0,
      lastError: null,
      payload: { test: true, items: [{ kind: "problem", id: "test", title: "Test notification from Commander", text: "If you can read this, the target works." }] },
      createdAt: now.toISOString(),
      holdUntil: now.toISOString(),
      nextAttemptAt: now.toISOString(),
      deliveredAt: null,
    };
    const result = await this.send(buildMessage({ record, target, baseUrl: this.baseUrl, now }), record.id);
    if (result.kind === "network") return { delivered: false, status: 0, error: result.error };
    const delivered = result.status >= 200 && result.status < 300;
    return { delivered, status: result.status, error: delivered ? "" : `HTTP ${result.status}` };
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      await this.noticeHealthProblems();
      this.reportFailingTargets(this.now());
      this.startDueAttempts();
      await this.pruneFinished();
    } catch (error) {
      this.options.logger.warn({ err: error }, "notification round failed");
    } finally {
      this.ticking = false;
    }
  }

  private startDueAttempts(): void {
    const { core, settings } = this.options;
    const nowIso = this.now().toISOString();
    const targets = new Map(this.targets().map((target) => [target.name, target]));
    const oldestPerTarget = new Map<string, OutboxRecord>();
    for (const record of core.state.collections.outbox.values()) {
      if (record.state !== "pending") continue;
      const current = oldestPerTarget.get(record.target);
      if (!current || record.createdAt < current.createdAt) oldestPerTarget.set(record.target, record);
    }
    for (const record of oldestPerTarget.values()) {
      if (this.stopped || this.inFlight.size >= settings.concurrency) break;
      if (this.busyTargets.has(record.target) || record.holdUntil > nowIso || record.nextAttemptAt > nowIso) continue;
      if ((this.unrecorded.get(record.id) ?? 0) > Date.parse(nowIso)) continue;
      const target = targets.get(record.target);
      if (!target) continue;
      void this.attempt(record, target);
    }
  }

  private async attempt(record: OutboxRecord, target: NotificationTarget): Promise<void> {
    this.busyTargets.add(target.name);
    try {
      const now = this.now();
      const projectName = this.options.core.state.projects.get(record.projectId)?.name;
      const request = buildMessage({
        record,
        target,
        baseUrl: this.baseUrl,
        projectName,
        now,
        answerLink: target.answerLinks ? (eventId, option) => this.answerLink(record, eventId, option) : undefined,
      });
      const result = await this.send(request, record.id);
      if (result.kind === "network" && result.error === "aborted") return;
      const after = this.now();
      const updated = await this.options.core.mutate(
        (ctx) => {
          const current = ctx.state.collections.outbox.get(record.id);
          if (!current || current.state !== "pending") return undefined;
          const next = afterAttempt(current, result, this.options.settings.retry, after, this.random);
          ctx.tx.put("outbox", next);
          return next;
        },
        { internal: true },
      );
      if (updated) {
        const details = { notificationId: record.id, target: target.name, attempts: updated.attempts, lastError: updated.lastError };
        if (updated.state === "delivered") this.options.logger.info(details, "notification delivered");
        else if (updated.state === "failed") this.options.logger.warn(details, "notification failed");
        else this.options.logger.debug({ ...details, nextAttemptAt: updated.nextAttemptAt }, "notification attempt failed");
      }
      this.trackFailures(target, result, after);
      this.unrecorded.delete(record.id);
    } catch (error) {
      // The outcome is lost, so the record still reads as due: without this pause it would be sent again
      // on every round while the state cannot be written.
      this.unrecorded.set(record.id, this.now().getTime() + Math.max(this.options.settings.retry.initialBackoffMs, 5_000));
      this.options.logger.warn({ err: error, notificationId: record.id, target: target.name }, "could not record a notification attempt");
    } finally {
      this.busyTargets.delete(target.name);
    }
  }

  // Links live for the configured TTL from the attempt that carries them (a message retried for hours
  // must not arrive with links already expired); the notification's id is recorded when one is used.
  private answerLink(record: OutboxRecord, eventId: string, option: number): string {
    const expiresAt = this.now().getTime() + this.options.settings.answerLinkTtlMs;
    return signAnswerLink(this.options.answerLinkKey, { eventId, option, expiresAt, nonce: record.id });
  }

  private async send(request: OutgoingRequest, id: string): Promise<AttemptResult> {
    const controller = new AbortController();
    this.inFlight.set(id, controller);
    const timeout = setTimeout(() => controller.abort(new Error("timeout")), this.options.settings.attemptTimeoutMs);
    try {
      const response = await fetch(request.url, { method: "POST", headers: request.headers, body: request.body, signal: controller.signal, redirect: "manual" });
      // The receiver's answer body is not needed; it is drained so the connection can be reused.
      await response.body?.cancel().catch(() => undefined);
      return { kind: "status", status: response.status, retryAfter: response.headers.get("retry-after") ?? undefined };
    } catch (error) {
      const reason = controller.signal.reason as Error | undefined;
      if (controller.signal.aborted && reason?.message === "timeout") return { kind: "network", error: `no answer within ${this.options.settings.attemptTimeoutMs} ms` };
      if (controller.signal.aborted) return { kind: "network", error: "aborted" };
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { kind: "network", error: cause?.code ?? cause?.message ?? (error as Error).message };
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(id);
    }
  }

  private trackFailures(target: NotificationTarget, result: AttemptResult, now: Date): void {
    const ok = result.kind === "status" && result.status >= 200 && result.status < 300;
    if (ok) {
      this.failing.delete(target.name);
      return;
    }
    const lastError = result.kind === "network" ? result.error : `HTTP ${result.status}`;
    const entry = this.failing.get(target.name) ?? { since: now.getTime(), reported: false, lastError };
    entry.lastError = lastError;
    this.failing.set(target.name, entry);
    this.reportFailingTargets(now);
  }

  // Checked on every round too, not only after attempts: with long backoffs, attempts are far apart.
  private reportFailingTargets(now: Date): void {
    for (const [name, entry] of this.failing) {
      if (entry.reported || now.getTime() - entry.since < this.options.settings.failingAfterMs) continue;
      entry.reported = true;
      this.options.logger.warn({ target: name, since: new Date(entry.since).toISOString(), lastError: entry.lastError }, "notification target failing");
      this.options.core.health.report({
        code: "NOTIFICATION_TARGET_FAILING",
        message: `notification target "${name}" has failed every delivery since ${new Date(entry.since).toISOString()} (last error: ${entry.lastError})`,
      });
    }
  }

  // A new health problem is a `daemon_degraded` happening. Problems are kept in memory (not durably), so
  // this queues the notification as soon as the problem is seen.
  private async noticeHealthProblems(): Promise<void> {
    const fresh = this.options.core.health.list().filter((problem) => !this.seenProblems.has(`${problem.occurredAt} ${problem.code} ${problem.message}`));
    for (const problem of fresh) {
      this.seenProblems.add(`${problem.occurredAt} ${problem.code} ${problem.message}`);
      await this.options.core.mutate(
        (ctx) =>
          enqueueHappening(ctx, this.targets(ctx), { coalesceMs: this.options.settings.coalesceMs }, {
            happening: "daemon_degraded",
            projectId: "",
            item: { kind: "problem", id: problem.code, title: problem.code, text: problem.message },
          }),
        { internal: true },
      );
    }
  }

  private async pruneFinished(): Promise<void> {
    const outbox = this.options.core.state.collections.outbox;
    const finished = [...outbox.values()].filter((record) => record.state !== "pending");
    const excess = finished.length - this.options.settings.keepFinished;
    if (excess <= 0) return;
    const oldest = finished.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).slice(0, excess);
    await this.options.core.mutate(
      (ctx) => {
        for (const record of oldest) ctx.tx.delete("outbox", record.id);
      },
      { internal: true },
    );
  }
}
