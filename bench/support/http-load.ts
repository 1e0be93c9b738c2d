import autocannon from "autocannon";
import { summarise, type LatencySummary } from "./stats.js";

export interface HttpLoadOptions {
  url: string;
  method?: "GET" | "POST";
  body?: string;
  connections: number;
  durationS: number;
}

/** What one load run measured; `latencies` (ms, successful requests only) lets runs be merged. */
export interface LoadRun {
  ok: number;
  failed: number;
  seconds: number;
  latencies: number[];
}

export interface LoadResult {
  /** Successful responses per second. */
  rps: number;
  ok: number;
  failed: number;
  latency: LatencySummary;
}

/**
 * Drives one URL with autocannon (closed loop: each connection sends its next request when the previous
 * answer arrived). Latencies are taken from autocannon's per-response timings (hrtime, fractional
 * milliseconds) rather than its whole-millisecond histogram, so sub-millisecond answers stay visible.
 */
export function runHttpLoad(options: HttpLoadOptions): Promise<LoadRun> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: options.method ?? "GET",
        connections: options.connections,
        pipelining: 1,
        duration: options.durationS,
        timeout: 10,
        ...(options.body === undefined ? {} : { body: options.body, headers: { "content-type": "application/json" } }),
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({ ok: result["2xx"], failed: result.errors + result.timeouts + result.non2xx, seconds: result.duration, latencies });
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

export function mergeRuns(runs: readonly LoadRun[]): LoadResult {
  const ok = runs.reduce((sum, run) => sum + run.ok, 0);
  const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  return {
    rps: seconds > 0 ? ok / seconds : Number.NaN,
    ok,
    failed: runs.reduce((sum, run) => sum + run.failed, 0),
    latency: summarise(runs.flatMap((run) => run.latencies)),
  };
}

/**
 * Measures Commander and its baseline in alternating slices (C, B, C, B, ...), each `seconds / rounds`
 * long, so that a change in the machine's load during the run falls on both alike.
 */
export async function alternate(
  commander: (seconds: number) => Promise<LoadRun>,
  baseline: (seconds: number) => Promise<LoadRun>,
  seconds: number,
  rounds = 2,
): Promise<{ commander: LoadResult; baseline: LoadResult }> {
  const commanderRuns: LoadRun[] = [];
  const baselineRuns: LoadRun[] = [];
  for (let round = 0; round < rounds; round++) {
    commanderRuns.push(await commander(seconds / rounds));
    baselineRuns.push(await baseline(seconds / rounds));
  }
  return { commander: mergeRuns(commanderRuns), baseline: mergeRuns(baselineRuns) };
}
