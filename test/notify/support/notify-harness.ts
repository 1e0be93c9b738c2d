import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { CommanderCore } from "../../../src/app/commander-core.js";
import { HealthBook } from "../../../src/app/health-book.js";
import { DEFAULT_LIMITS } from "../../../src/domain/domain-context.js";
import { raiseEvent } from "../../../src/domain/event-rules.js";
import type { EventRecord } from "../../../src/domain/records.js";
import { NotificationCenter } from "../../../src/notify/notification-center.js";
import { DEFAULT_NOTIFICATION_SETTINGS, type NotificationSettings } from "../../../src/notify/notification-settings.js";
import { parseTarget } from "../../../src/notify/notification-target.js";
import { openStateStore, type StateStore } from "../../../src/store/state-store.js";

/** Settings that make retries and coalescing take milliseconds, not minutes. */
export const FAST: NotificationSettings = {
  ...DEFAULT_NOTIFICATION_SETTINGS,
  retry: { initialBackoffMs: 50, maxBackoffMs: 200, retryForMs: 60_000 },
  attemptTimeoutMs: 1_000,
  coalesceMs: 0,
  pollMs: 20,
};

export const DASHBOARD = "http://127.0.0.1:8765";

export interface Harness {
  /** The state directory. */
  directory: string;
  core: CommanderCore;
  center: NotificationCenter;
  health: HealthBook;
  answerLinkKey: Buffer;
  raise(title: string, options?: string[], projectId?: string): Promise<EventRecord>;
  close(): Promise<void>;
}

/**
 * The daemon's notification parts in-process, on a real state store in a temporary directory: the core
 * queues notifications in each transaction, the center delivers them over real HTTP.
 */
export async function startHarness(targets: Array<Record<string, unknown>>, settings: Partial<NotificationSettings> = {}): Promise<Harness> {
  const directory = await mkdtemp(join(tmpdir(), "commander-notify-"));
  const logger = pino({ level: "silent" });
  const store: StateStore = await openStateStore({ directory, logger });
  const health = new HealthBook(() => new Date());
  let center: NotificationCenter | undefined;
  const core = new CommanderCore({ store, logger, health, limits: DEFAULT_LIMITS, beforeCommit: (ctx) => center?.plan(ctx) });
  const answerLinkKey = randomBytes(32);
  center = new NotificationCenter({
    core,
    configTargets: targets.map((target, index) => parseTarget(target, `notifications[${index}]`, "config")),
    settings: { ...FAST, ...settings },
    answerLinkKey,
    logger,
  });
  center.start(DASHBOARD);
  const started = center;
  return {
    directory,
    core,
    center: started,
    health,
    answerLinkKey,
    raise: (title, options = ["allow", "deny"], projectId = "project-1") =>
      core.mutate((ctx) => raiseEvent(ctx, { projectId, type: "approval", title, options })),
    async close() {
      started.stop();
      await store.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
