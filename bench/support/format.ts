// Number formatting for the results tables: the same rules in every section.

export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return "–";
  return Math.round(value).toLocaleString("en-US");
}

export function formatRate(value: number, unit = "/s"): string {
  return `${formatCount(value)}${unit}`;
}

/** Milliseconds with about three significant digits: 0.412, 3.25, 41.2, 1,204. */
export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return "–";
  if (value >= 1000) return `${formatCount(value)} ms`;
  if (value >= 100) return `${value.toFixed(0)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  if (value >= 1) return `${value.toFixed(2)} ms`;
  return `${value.toFixed(3)} ms`;
}

export function formatPair(a: string, b: string): string {
  return `${a} / ${b}`;
}

export function formatMiB(bytes: number): string {
  if (!Number.isFinite(bytes)) return "–";
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(bytes >= 100 * 1024 * 1024 ? 0 : 1)} MiB`;
}

export function formatPercent(value: number): string {
  if (!Number.isFinite(value)) return "–";
  return `${value.toFixed(value >= 10 ? 0 : 1)} %`;
}

/** Commander ÷ baseline. Left blank when the baseline is too small to divide by meaningfully. */
export function formatRatio(commander: number, baseline: number, minBaseline = 0): string {
  if (!Number.isFinite(commander) || !Number.isFinite(baseline) || baseline <= minBaseline || baseline === 0) return "–";
  const ratio = commander / baseline;
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio >= 1 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}
