import { randomFillSync } from "node:crypto";
import type { Logger } from "./logger.js";
import { StateTransaction, type CommanderState } from "../domain/commander-state.js";
import type { DomainContext, DomainLimits } from "../domain/domain-context.js";
import { CommanderError } from "../domain/commander-error.js";
import type { StateStore } from "../store/state-store.js";
import { ChangeHub } from "./change-hub.js";
import type { HealthBook } from "./health-book.js";

export interface CommanderCoreOptions {
  store: StateStore;
  logger: Logger;
  limits: DomainLimits;
  health: HealthBook;
  now?: () => Date;
  /**
   * Runs after every successful rule, in its transaction, so what it writes becomes durable in the same
   * write (the notification outbox: src/notify/plan-notifications.ts).
   */
  beforeCommit?: (ctx: DomainContext) => void;
}

/**
 * Runs domain rules as transactions: a rule changes memory synchronously, the store makes the change
 * durable, and only then do callers and watchers hear of it. Rules run one at a time (they are
 * synchronous), so they always see a consistent state.
 */
export class CommanderCore {
  readonly changes: ChangeHub;
  readonly logger: Logger;
  readonly health: HealthBook;
  private readonly now: () => Date;
  private acceptingWrites = true;

  constructor(private readonly options: CommanderCoreOptions) {
    this.logger = options.logger;
    this.health = options.health;
    this.now = options.now ?? (() => new Date());
    // Changes loaded from disk are durable already: watchers may be replayed up to them at once.
    this.changes = new ChangeHub(options.store.state.lastChangeSeq);
  }

  get state(): CommanderState {
    return this.options.store.state;
  }

  get limits(): DomainLimits {
    return this.options.limits;
  }

  /** Refuses further writes (used while the daemon drains). */
  stopAcceptingWrites(): void {
    this.acceptingWrites = false;
  }

  async mutate<T>(rule: (ctx: DomainContext) => T, options: { internal?: boolean } = {}): Promise<T> {
    if (!this.acceptingWrites && !options.internal) {
      throw new CommanderError("SHUTTING_DOWN", "the daemon is shutting down; try again after it restarts");
    }
    const tx = new StateTransaction(this.state, this.now().toISOString());
    let result: T;
    try {
      const ctx: DomainContext = { state: this.state, tx, now: tx.now, newId, limits: this.options.limits };
      result = rule(ctx);
      this.options.beforeCommit?.(ctx);
    } catch (error) {
      tx.rollback();
      throw error;
    }
    await this.options.store.commit(tx);
    this.changes.publish(tx.changes);
    return result;
  }

  /** Runs a rule only to see whether it would succeed (it throws if not); nothing is kept. */
  check(rule: (ctx: DomainContext) => unknown): void {
    const tx = new StateTransaction(this.state, this.now().toISOString());
    try {
      rule({ state: this.state, tx, now: tx.now, newId, limits: this.options.limits });
    } finally {
      tx.rollback();
    }
  }

  read<T>(query: (state: CommanderState) => T): T {
    return query(this.state);
  }
}

// Random bytes are drawn for many ids at a time: one call into the system's generator per id was a few
// percent of the CPU of adding work items.
const ID_BYTES = 6;
const idPool = Buffer.alloc(ID_BYTES * 512);
let idPoolOffset = idPool.length;

function newId(prefix: string): string {
  if (idPoolOffset === idPool.length) {
    randomFillSync(idPool);
    idPoolOffset = 0;
  }
  idPoolOffset += ID_BYTES;
  return `${prefix}-${idPool.toString("hex", idPoolOffset - ID_BYTES, idPoolOffset)}`;
}
