import type { HookDecision } from "../domain/agent-turn.js";

/** The agent's hook calls held open until a person answers the question they raised, by event id. */
export class HookWaiters {
  private readonly waiters = new Map<string, (decision: HookDecision | null) => void>();

  /** Resolves with the answer, or null when `signal` aborts first (the hook call ended). */
  async wait(eventId: string, signal: AbortSignal): Promise<HookDecision | null> {
    const decision = await new Promise<HookDecision | null>((resolve) => {
      const onAbort = () => resolve(null);
      this.waiters.set(eventId, (answer) => {
        signal.removeEventListener("abort", onAbort);
        resolve(answer);
      });
      if (signal.aborted) resolve(null);
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    this.waiters.delete(eventId);
    return decision;
  }

  /** Answers the hook call waiting on `eventId`, if one still waits. */
  answer(eventId: string, decision: HookDecision | null): void {
    this.waiters.get(eventId)?.(decision);
  }
}
