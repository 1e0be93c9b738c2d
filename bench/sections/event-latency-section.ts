import type { BenchSection } from "../support/bench-section.js";
export const eventLatencySection: BenchSection = { id: "events", title: "events", baseline: "todo", async run() {} };
