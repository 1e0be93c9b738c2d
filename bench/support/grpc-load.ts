import type { LoadResult } from "./http-load.js";
import { summarise } from "./stats.js";

/**
 * A closed-loop load of one unary call: `concurrency` loops, each starting its next call when the
 * previous one returned, for `durationS` seconds. Calls in flight at the end are awaited and not counted.
 */
export async function runGrpcLoad(call: () => Promise<unknown>, concurrency: number, durationS: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let failed = 0;
  const start = performance.now();
  const deadline = start + durationS * 1000;
  let end = deadline;
  const loop = async () => {
    while (performance.now() < deadline) {
      const begin = performance.now();
      try {
        await call();
        const finished = performance.now();
        if (finished <= deadline) latencies.push(finished - begin);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  end = Math.min(end, performance.now());
  return { rps: latencies.length / ((end - start) / 1000), ok: latencies.length, failed, latency: summarise(latencies) };
}
