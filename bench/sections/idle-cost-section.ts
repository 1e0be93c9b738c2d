import { join } from "node:path";
import { pino } from "pino";
import { createTmuxDriver } from "../../src/agents/tmux/tmux-driver.js";
import { killTmuxServer } from "../support/bench-daemon.js";
import { benchDaemonEnv, registerProjects, startSectionDaemon } from "../support/bench-projects.js";
import type { BenchSection } from "../support/bench-section.js";
import { formatMiB, formatPercent, formatRatio } from "../support/format.js";
import { measureUsage, rssBytes, tmuxPanePids, tmuxServerPid, type Usage } from "../support/proc-stats.js";

const TICKER_AGENT = join(import.meta.dirname, "..", "agents", "ticker-agent.mjs");

/**
 * What the daemon costs while it has live sessions and nothing to do: CPU (average over a window, in % of
 * one core) and resident memory, with 20 agents that print nothing and with the same 20 agents printing a
 * progress line every 100 ms. The CPU baseline is tmux alone running the same agents in the same way (no
 * daemon attached): what showing those panes costs anyway. The memory baseline is the same daemon before
 * it had any session.
 */
export const idleCostSection: BenchSection = {
  id: "idle",
  title: "Cost of idling",
  baseline:
    "for CPU, a private tmux server running the same agents with no daemon attached (what the panes cost anyway); for memory, the same daemon before its first session",
  async run(context) {
    const { settings, report, workspace, cleanup } = context;
    const { sessions, windowS, tickMs } = settings.idle;
    const agentCommand = [process.execPath, TICKER_AGENT];
    const rate = `${Math.round(1000 / tickMs)} lines/s each`;

    // Baseline: tmux alone with the same agents, quiet and then printing.
    const socketPath = join(await workspace.dir("idle-tmux"), "tmux.sock");
    const driver = createTmuxDriver({ socketPath, logger: pino({ level: "silent" }) });
    cleanup.add("baseline tmux server", () => killTmuxServer(socketPath));
    await driver.ensureServer();
    const panes: string[] = [];
    for (let index = 0; index < sessions; index++) {
      panes.push((await driver.openWindow({ name: `agent-${index}`, cwd: workspace.root, command: agentCommand })).paneId);
    }
    const baselineServer = await tmuxServerPid(socketPath);
    await settle(2);
    const [tmuxQuiet] = await measureUsage([baselineServer], windowS);
    for (const pane of panes) {
      await driver.sendText(pane, `tick ${tickMs}`);
      await driver.sendKeys(pane, ["Enter"]);
    }
    await settle(1);
    const [tmuxPrinting] = await measureUsage([baselineServer], windowS);
    await killTmuxServer(socketPath);

    // Commander with the same agents as its sessions.
    const daemon = await startSectionDaemon(
      context,
      "idle",
      benchDaemonEnv({
        COMMANDER_MAX_PROJECTS: String(sessions + 5),
        COMMANDER_RUNTIMES: JSON.stringify({ shell: { command: agentCommand } }),
      }),
    );
    await settle(2);
    const emptyRss = rssBytes(daemon.pid);
    const projects = await registerProjects(context, daemon, { prefix: "idle", count: sessions, paused: false });
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < projects.length) await daemon.call("POST", `/api/sessions/${projects[next++]}/start`, {});
      }),
    );
    const live = (await daemon.call<{ sessions: Array<{ state: string }> }>("GET", "/api/sessions")).sessions.filter((s) => s.state === "idle").length;
    if (live !== sessions) throw new Error(`only ${live} of ${sessions} sessions are idle`);
    const daemonServer = await tmuxServerPid(daemon.tmuxSocket);
    await settle(2);
    const [daemonQuiet, tmuxWithDaemonQuiet] = await measureUsage([daemon.pid, daemonServer], windowS);
    for (const projectId of projects) await daemon.call("POST", "/api/work", { project_id: projectId, content: `tick ${tickMs}` });
    await settle(2);
    const [daemonPrinting, tmuxWithDaemonPrinting] = await measureUsage([daemon.pid, daemonServer], windowS);
    const agentRss = (await tmuxPanePids(daemon.tmuxSocket)).map((pid) => {
      try {
        return rssBytes(pid);
      } catch {
        return 0;
      }
    });

    const rows: Array<[string, Usage, Usage, Usage]> = [
      [`${sessions} sessions, agents quiet`, daemonQuiet!, tmuxQuiet!, tmuxWithDaemonQuiet!],
      [`${sessions} sessions, agents printing ${rate}`, daemonPrinting!, tmuxPrinting!, tmuxWithDaemonPrinting!],
    ];
    for (const [where, daemonUsage, tmuxAlone, tmuxWithDaemon] of rows) {
      report.add({
        what: `${where}: daemon CPU (baseline: tmux alone)`,
        commander: formatPercent(daemonUsage.cpuPercent),
        baseline: formatPercent(tmuxAlone.cpuPercent),
        ratio: formatRatio(daemonUsage.cpuPercent, tmuxAlone.cpuPercent, 0.5),
        raw: { commander: daemonUsage.cpuPercent, baseline: tmuxAlone.cpuPercent },
      });
      report.add({
        what: `${where}: daemon memory (baseline: no sessions)`,
        commander: formatMiB(daemonUsage.rss),
        baseline: formatMiB(emptyRss),
        ratio: formatRatio(daemonUsage.rss, emptyRss),
        raw: { commander: daemonUsage.rss, baseline: emptyRss },
      });
      report.add({
        what: `${where}: tmux server CPU, with the daemon attached vs. alone`,
        commander: formatPercent(tmuxWithDaemon.cpuPercent),
        baseline: formatPercent(tmuxAlone.cpuPercent),
        ratio: formatRatio(tmuxWithDaemon.cpuPercent, tmuxAlone.cpuPercent, 0.5),
        raw: { commander: tmuxWithDaemon.cpuPercent, baseline: tmuxAlone.cpuPercent },
      });
    }
    report.note(
      `CPU is the average over ${windowS} s in % of one core (from /proc/<pid>/stat); memory is the resident set (VmRSS) at the end of the window. A ratio is left out where the baseline is under 0.5 % of a core.`,
    );
    report.note(
      `tmux's own memory: ${formatMiB(tmuxWithDaemonPrinting!.rss)} with the daemon's ${sessions} panes, ${formatMiB(tmuxPrinting!.rss)} alone. The agents themselves (here small Node programs) took ${formatMiB(agentRss.reduce((a, b) => a + b, 0))} together; a real coding agent process is typically far larger than the daemon's share per session.`,
    );
  },
};

const settle = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
