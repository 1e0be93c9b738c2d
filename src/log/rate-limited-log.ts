import type { Logger } from "pino";

/** Logs one line per key at most every `intervalMs`; a line after a quiet spell says how many were left out. */
export type RateLimitedLog = (key: string, fields: Record<string, unknown>, message: string) => void;

export function createRateLimitedLog(logger: Logger, level: "warn" | "info" | "error", intervalMs: number, now: () => number = Date.now): RateLimitedLog {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (key, fields, message) => {
    const seen = last.get(key);
    const time = now();
    if (seen !== undefined && time - seen.at < intervalMs) {
      seen.suppressed += 1;
      return;
    }
    const suppressed = seen?.suppressed ?? 0;
    last.set(key, { at: time, suppressed: 0 });
    logger[level](suppressed > 0 ? { ...fields, suppressed } : fields, message);
  };
}
