import type { BenchSection } from "../support/bench-section.js";
export const scaleSection: BenchSection = { id: "scale", title: "scale", baseline: "todo", async run() {} };
