import autocannon from "autocannon";
import { summarise, type LatencySummary } from "./stats.js";

export interface HttpLoadOptions {
  url: string;
  method?: "GET" | "POST";
  body?: string;
  connections: number;
  durationS: number;
}

export interface LoadResult {
  /** Successful (2xx) responses per second. */
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
export function runHttpLoad(options: HttpLoadOptions): Promise<LoadResult> {
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
        const ok = result["2xx"];
        resolve({
          rps: ok / result.duration,
          ok,
          failed: result.errors + result.timeouts + result.non2xx,
          latency: summarise(latencies),
        });
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}
