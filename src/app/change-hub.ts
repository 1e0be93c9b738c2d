import type { ChangeRecord } from "../domain/records.js";

export type ChangeListener = (change: ChangeRecord) => void;

/** Fans committed changes out to live subscribers, in sequence order. */
export class ChangeHub {
  private readonly listeners = new Set<ChangeListener>();

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(changes: readonly ChangeRecord[]): void {
    for (const change of changes) for (const listener of this.listeners) listener(change);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
