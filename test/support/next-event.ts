import type { EventEmitter } from "node:events";

/**
 * Resolves with the arguments of the next `event` whose arguments satisfy `predicate`, or fails after
 * `timeoutMs` naming what it waited for.
 */
export function nextEvent<Args extends unknown[]>(
  emitter: Pick<EventEmitter, "on" | "off">,
  event: string,
  predicate: (...args: Args) => boolean = () => true,
  { timeoutMs = 10_000, what = event }: { timeoutMs?: number; what?: string } = {},
): Promise<Args> {
  return new Promise((resolve, reject) => {
    const listener = (...args: unknown[]) => {
      if (!predicate(...(args as Args))) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args as Args);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    emitter.on(event, listener);
  });
}
