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

  note(text: string): void {
    this.notes.push(text);
  }
}
