import type { BenchSection } from "../support/bench-section.js";
export const fanOutSection: BenchSection = { id: "fanout", title: "fanout", baseline: "todo", async run() {} };
