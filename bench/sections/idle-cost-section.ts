import type { BenchSection } from "../support/bench-section.js";
export const idleCostSection: BenchSection = { id: "idle", title: "idle", baseline: "todo", async run() {} };
