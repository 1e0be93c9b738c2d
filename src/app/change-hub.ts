import type { ChangeRecord } from "../domain/records.js";

export type ChangeListener = (change: ChangeRecord) => void;

/** Fans committed changes out to live subscribers, in sequence order. */
export class ChangeHub {
  private readonly listeners = new Set<ChangeListener>();
  private lastPublished: number | undefined;

  /** `publishedSeq`: the last sequence already durable when the hub is created (the loaded state's). */
  constructor(publishedSeq?: number) {
    this.lastPublished = publishedSeq;
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(changes: readonly ChangeRecord[]): void {
    for (const change of changes) {
      this.lastPublished = change.seq;
      for (const listener of this.listeners) listener(change);
    }
  }

  /**
   * The newest sequence published, hence durable; undefined until this process published one. A change
   * with a higher sequence may be in memory already but still in flight (its commit can fail and its
   * sequence be reused), so watchers must not see it yet.
   */
  get publishedSeq(): number | undefined {
    return this.lastPublished;
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
