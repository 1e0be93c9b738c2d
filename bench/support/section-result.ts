import { formatMs, formatPair, formatRate, formatRatio } from "./format.js";
import type { LoadResult } from "./http-load.js";

/** One figure of the results: Commander's number next to its baseline's, and their ratio. */
export interface Figure {
  what: string;
  commander: string;
  baseline: string;
  /** Commander ÷ baseline, formatted. */
  ratio: string;
  /** The unformatted numbers, for bench/out/results.json. */
  raw?: Record<string, number | number[] | string>;
}

export interface SectionResult {
  id: string;
  title: string;
  /** What the baseline column is, in one sentence. */
  baseline: string;
  figures: Figure[];
  notes: string[];
  durationMs: number;
  /** Set when the section failed or ran out of time; its figures are what it measured before that. */
  error?: string;
}

/** What a section gets to report into while it runs, so a failure keeps what was measured before it. */
export class SectionReport {
  readonly figures: Figure[] = [];
  readonly notes: string[] = [];

  add(figure: Figure): void {
    this.figures.push(figure);
    process.stderr.write(`    ${figure.what}: ${figure.commander} vs ${figure.baseline} (${figure.ratio})\n`);
  }

  /** The two rows of a load run next to its baseline: throughput, and latency p50 / p99. */
  addLoad(where: string, unit: string, commander: LoadResult, baseline: LoadResult): void {
    if (commander.failed > 0) this.note(`${where}: ${commander.failed} calls to Commander failed.`);
    this.add({
      what: `${where}: throughput`,
      commander: formatRate(commander.rps, unit),
      baseline: formatRate(baseline.rps, unit),
      ratio: formatRatio(commander.rps, baseline.rps),
      raw: { commander: commander.rps, baseline: baseline.rps },
    });
    this.add({
      what: `${where}: latency p50 / p99`,
      commander: formatPair(formatMs(commander.latency.p50), formatMs(commander.latency.p99)),
      baseline: formatPair(formatMs(baseline.latency.p50), formatMs(baseline.latency.p99)),
      ratio: formatPair(formatRatio(commander.latency.p50, baseline.latency.p50), formatRatio(commander.latency.p99, baseline.latency.p99)),
      raw: { commander: [commander.latency.p50, commander.latency.p99], baseline: [baseline.latency.p50, baseline.latency.p99] },
    });
  }

  note(text: string): void {
    this.notes.push(text);
  }
}
