import type { MachineDescription } from "./describe-machine.js";
import type { SectionResult } from "./section-result.js";

export interface RunSummary {
  startedAt: Date;
  durationS: number;
  quick: boolean;
  machine: MachineDescription;
  loadAverageAfter: string;
  command: string;
}

const escapeCell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The whole results document: the machine, then one table per section. */
export function renderResults(summary: RunSummary, sections: SectionResult[]): string {
  const { machine } = summary;
  const lines = [
    "# Commander benchmark results",
    "",
    `Written by \`${summary.command}\` on ${summary.startedAt.toISOString().replace(/\.\d+Z$/, "Z")}` +
      ` (${summary.quick ? "**quick smoke run** (`BENCH_QUICK=1`): short runs and smaller sizes, so the figures are rougher than a full run's" : "full run"}),` +
      ` in ${Math.round(summary.durationS)} s. What each figure means and how to run it: [README.md](README.md).`,
    "",
    "## Machine",
    "",
    "| | |",
    "|---|---|",
    `| CPU | ${machine.cpu}, ${machine.cores} cores |`,
    `| Memory | ${machine.memory} |`,
    `| OS | ${escapeCell(machine.os)} |`,
    `| Node.js | ${machine.node} |`,
    `| tmux | ${machine.tmux} |`,
    `| State directories on | ${escapeCell(machine.stateDisk)} |`,
    `| Load average (1, 5, 15 min) before / after | ${machine.loadAverage} / ${summary.loadAverageAfter} |`,
    "",
    "The load generator, the daemon and the baseline servers share these cores, and everything runs on loopback.",
    ...loadedNote(machine.loadAverage, summary.loadAverageAfter, machine.cores),
    "**Ratio** is Commander ÷ baseline: for throughput, the share of the baseline's rate that Commander reaches;",
    "for latencies, times and resources, how many times the baseline's value it takes.",
    "",
  ];
  for (const section of sections) {
    lines.push(`## ${section.title}`, "", `Baseline: ${section.baseline}.`, "");
    if (section.error) lines.push(`> **This section did not complete:** ${escapeCell(section.error)}`, "");
    if (section.figures.length > 0) {
      lines.push("| Figure | Commander | Baseline | Ratio |", "|---|--:|--:|--:|");
      for (const figure of section.figures) {
        lines.push(`| ${escapeCell(figure.what)} | ${escapeCell(figure.commander)} | ${escapeCell(figure.baseline)} | ${escapeCell(figure.ratio)} |`);
      }
      lines.push("");
    }
    for (const note of section.notes) lines.push(`- ${note}`);
    if (section.notes.length > 0) lines.push("");
    lines.push(`<sub>Section time: ${(section.durationMs / 1000).toFixed(0)} s.</sub>`, "");
  }
  return `${lines.join("\n")}\n`;
}

/** A warning when other work kept the machine busy: absolute figures are then low, ratios still compare. */
function loadedNote(before: string, after: string, cores: number): string[] {
  const busiest = Math.max(...[before, after].map((loads) => Number(loads.split(",")[0])));
  if (!(busiest > cores)) return [];
  return [
    "",
    `**This run was on a loaded machine** (1-minute load average up to ${busiest.toFixed(1)} on ${cores} cores: other processes were running), so absolute figures are lower and noisier than on an idle one; Commander and each baseline were measured in the same run, in alternating slices, so the ratios stay comparable.`,
    "",
  ];
}
