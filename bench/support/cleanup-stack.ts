/** Undo steps run in reverse order; a failing step is reported and does not stop the others. */
export class CleanupStack {
  private readonly steps: Array<{ what: string; run: () => Promise<unknown> | unknown }> = [];

  add(what: string, run: () => Promise<unknown> | unknown): void {
    this.steps.push({ what, run });
  }

  async runAll(): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.run();
      } catch (error) {
        process.stderr.write(`    cleanup "${step.what}" failed: ${(error as Error).message}\n`);
      }
    }
  }
}
