import type { LoadRun } from "./http-load.js";

/**
 * A closed-loop load of one unary call: `concurrency` loops, each starting its next call when the
 * previous one returned, for `seconds`. Calls that return after the end are not counted.
 */
export async function runGrpcLoad(call: () => Promise<unknown>, concurrency: number, seconds: number): Promise<LoadRun> {
  const latencies: number[] = [];
  let failed = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
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
  return { ok: latencies.length, failed, seconds, latencies };
}
