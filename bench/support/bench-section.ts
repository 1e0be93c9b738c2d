import type { BenchSettings } from "../bench-settings.js";
import type { CleanupStack } from "./cleanup-stack.js";
import type { SectionReport } from "./section-result.js";
import type { Workspace } from "./workspace.js";

export interface SectionContext {
  settings: BenchSettings;
  workspace: Workspace;
  /** Undo steps for what the section started; run when it ends, also on failure or timeout. */
  cleanup: CleanupStack;
  report: SectionReport;
}

/** One part of the results: what it measures, what it is compared with, and how. */
export interface BenchSection {
  id: string;
  title: string;
  /** What the baseline column holds. */
  baseline: string;
  run(context: SectionContext): Promise<void>;
}
