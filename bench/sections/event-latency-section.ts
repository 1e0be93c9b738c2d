import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTmuxSandbox } from "../../test/support/tmux-sandbox.js";
import { watchAgentLog } from "../support/agent-log-watcher.js";
import { FAKE_AGENT, benchDaemonEnv, registerProjects, startSectionDaemon } from "../support/bench-projects.js";
import type { BenchSection } from "../support/bench-section.js";
import { watchNdjson } from "../support/change-watcher.js";
import { formatMs, formatPair, formatRatio } from "../support/format.js";
import { startBareRelay } from "../support/bare-relay.js";
import { summarise, msBetween, type LatencySummary } from "../support/stats.js";

const HOOK_AGENT = join(import.meta.dirname, "..", "agents", "hook-agent.mjs");

/**
 * Three latencies, each sample taken one at a time on an otherwise idle daemon:
 * 1. Hook → watcher: from the moment an agent under the claude-code runtime sends its PermissionRequest
 *    hook (to `/api/hooks/{session_id}`, with the session's secret) to the moment a watcher on
 *    `GET /api/changes` has the `event_created` line. The agent is a stand-in (bench/agents/hook-agent.mjs)
 *    that stamps the request's send time, so the figure holds the daemon's share only.
 * 2. POST /api/work → text in the agent's pane: from sending the request to the fake agent's program
 *    having read the line from its terminal (it logs every line it reads).
 * 3. POST /api/work → screen-detected approval at the watcher: the work item makes the fake agent ask
 *    "Proceed? (y/n)"; the daemon sees that on the screen and raises an `approval` event.
 */
export const eventLatencySection: BenchSection = {
  id: "events",
  title: "Event latency",
  baseline:
    "for the hook, a bare `node:http` relay that makes the hook body durable (append + fdatasync) and writes it to an open NDJSON stream; for the pane figures, the same keystrokes typed straight into a fake agent's tmux pane with the daemon's own tmux commands (load-buffer, paste-buffer, send-keys Enter), and for the approval, the pane's output through a tmux control-mode client",
  async run(context) {
    const { settings, report, workspace, cleanup } = context;
    const { samples, warmup } = settings.events;
    const standIn = join(workspace.root, "claude-standin.sh");
    await writeFile(standIn, `#!/bin/sh\nexec '${process.execPath}' '${HOOK_AGENT}' "$@"\n`);
    await chmod(standIn, 0o755);
    const agentLog = join(workspace.root, "fake-agent.log");
    const daemon = await startSectionDaemon(
      context,
      "events",
      benchDaemonEnv({
        COMMANDER_RUNTIMES: JSON.stringify({ shell: { command: [process.execPath, FAKE_AGENT] }, "claude-code": { command: [standIn] } }),
        COMMANDER_AGENT_ENV: "FAKE_AGENT_LOG",
        FAKE_AGENT_LOG: agentLog,
      }),
    );
    const [hookProject] = await registerProjects(context, daemon, { prefix: "hooks", count: 1, paused: false, runtime: "claude-code" });
    const [screenProject] = await registerProjects(context, daemon, { prefix: "screen", count: 1, paused: false, runtime: "shell" });
    await daemon.call("POST", `/api/sessions/${hookProject}/start`, {});
    await daemon.call("POST", `/api/sessions/${screenProject}/start`, {});
    const watcher = watchNdjson(`${daemon.url}/api/changes?kinds=event_created&kinds=work_changed`);
    cleanup.add("change watcher", () => watcher.close());
    await watcher.ready;
    const log = watchAgentLog(agentLog);
    cleanup.add("agent log watcher", () => log.close());
    const completed = (content: string) =>
      watcher.next((change) => change.kind === "work_changed" && change.work_item?.content === content && change.work_item?.state === "completed");
    const addWork = (projectId: string, content: string) => daemon.call("POST", "/api/work", { project_id: projectId, content });

    // Baselines: a durable relay for the hook, a private tmux server with the same fake agent for the pane.
    const { url: relayUrl, watcher: relayWatcher } = await startBareRelay("bare-relay", [{ path: "/api/hooks/bench", answer: {} }], workspace, cleanup);

    const sandbox = await createTmuxSandbox();
    cleanup.add("tmux sandbox", () => sandbox.cleanup());
    const baselineLog = join(workspace.root, "baseline-agent.log");
    const baselineLogWatcher = watchAgentLog(baselineLog);
    cleanup.add("baseline log watcher", () => baselineLogWatcher.close());
    let paneOutput = "";
    sandbox.watcher.on("output", (_pane, data) => (paneOutput += data));
    const paneSees = (text: string, timeoutMs = 20_000) =>
      new Promise<bigint>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the baseline pane did not show ${JSON.stringify(text)}`)), timeoutMs);
        const check = () => {
          if (!paneOutput.includes(text)) return;
          sandbox.watcher.off("output", check);
          clearTimeout(timer);
          resolve(process.hrtime.bigint());
        };
        sandbox.watcher.on("output", check);
        check();
      });
    const baselinePane = (
      await sandbox.driver.openWindow({ name: "agent", cwd: workspace.root, command: [process.execPath, FAKE_AGENT], env: { FAKE_AGENT_LOG: baselineLog } })
    ).paneId;
    await paneSees("fake-agent> ");
    const typeLine = async (text: string) => {
      await sandbox.driver.sendText(baselinePane, text);
      await sandbox.driver.sendKeys(baselinePane, ["Enter"]);
    };

    const measure = async (count: number, sample: (index: number) => Promise<number>): Promise<LatencySummary> => {
      const values: number[] = [];
      for (let index = 0; index < warmup + count; index++) {
        const value = await sample(index);
        if (index >= warmup) values.push(value);
      }
      return summarise(values);
    };
    const add = (what: string, commander: LatencySummary, baseline: LatencySummary) =>
      report.add({
        what: `${what} p50 / p99`,
        commander: formatPair(formatMs(commander.p50), formatMs(commander.p99)),
        baseline: formatPair(formatMs(baseline.p50), formatMs(baseline.p99)),
        ratio: formatPair(formatRatio(commander.p50, baseline.p50), formatRatio(commander.p99, baseline.p99)),
        raw: { samples: commander.count, commander: [commander.p50, commander.p99], baseline: [baseline.p50, baseline.p99] },
      });

    // 1. Hook call → watcher.
    const hookCommander = await measure(samples, async (index) => {
      const content = `permission ${index}`;
      const raised = watcher.next((change) => change.kind === "event_created" && change.event?.context?.tool_input?.command === `npm test -- probe ${index}`);
      const done = completed(content);
      await addWork(hookProject!, content);
      const { message, at } = await raised;
      const latency = msBetween(BigInt(message.event.context.tool_input.sent_at_ns), at);
      await daemon.call("POST", `/api/events/${message.event.id}/resolve`, { resolution: "allow" });
      await done;
      return latency;
    });
    const hookBaseline = await measure(samples, async (index) => {
      const marker = `npm test -- probe ${index}`;
      const arrived = relayWatcher.next((change) => typeof change?.body === "string" && change.body.includes(marker));
      const sentAt = process.hrtime.bigint();
      const body = JSON.stringify({
        session_id: "bench",
        hook_event_name: "PermissionRequest",
        tool_name: "Bash",
        tool_input: { command: marker, description: "benchmark probe", sent_at_ns: sentAt.toString() },
        permission_suggestions: [],
      });
      const response = await fetch(`${relayUrl}/api/hooks/bench`, { method: "POST", headers: { "content-type": "application/json" }, body });
      await response.arrayBuffer();
      return msBetween(sentAt, (await arrived).at);
    });
    add("Hook call → watcher has the event", hookCommander, hookBaseline);

    // 2. POST /api/work → the text reaches the idle agent's program.
    const paneCommander = await measure(samples, async (index) => {
      const content = `pane probe ${index}`;
      const seen = log.next((line) => line === content);
      const done = completed(content);
      const sentAt = process.hrtime.bigint();
      await addWork(screenProject!, content);
      const latency = msBetween(sentAt, await seen);
      await done;
      return latency;
    });
    const paneBaseline = await measure(samples, async (index) => {
      const content = `pane probe ${index}`;
      const seen = baselineLogWatcher.next((line) => line === content);
      const sentAt = process.hrtime.bigint();
      await typeLine(content);
      const latency = msBetween(sentAt, await seen);
      await paneSees(`done: ${content}`);
      return latency;
    });
    add("POST /api/work → text in the idle agent's pane", paneCommander, paneBaseline);

    // 3. POST /api/work → the agent's yes/no question is an approval event at the watcher.
    const approvalCommander = await measure(samples, async (index) => {
      const content = `ask-yn ${index}`;
      const raised = watcher.next((change) => change.kind === "event_created" && change.event?.type === "approval" && change.project_id === screenProject);
      const done = completed(content);
      const sentAt = process.hrtime.bigint();
      await addWork(screenProject!, content);
      const { message, at } = await raised;
      await daemon.call("POST", `/api/events/${message.event.id}/resolve`, { resolution: "No" });
      await done;
      return msBetween(sentAt, at);
    });
    const approvalBaseline = await measure(samples, async (index) => {
      paneOutput = "";
      const asked = paneSees("Proceed? (y/n)");
      const sentAt = process.hrtime.bigint();
      await typeLine(`ask-yn ${index}`);
      const latency = msBetween(sentAt, await asked);
      paneOutput = "";
      const answered = paneSees("fake-agent> ");
      await typeLine("n");
      await answered;
      return latency;
    });
    add("POST /api/work → screen-detected approval at the watcher", approvalCommander, approvalBaseline);

    report.note(
      `${samples} samples each, one at a time, after ${warmup} warm-up samples. Each sample waits for the previous item to complete, so the agent is idle when the next one arrives.`,
    );
    report.note(
      "Hook → watcher is measured with a stand-in agent (bench/agents/hook-agent.mjs) that calls the hook exactly as Claude Code's http hooks do and stamps the send time; the real CLI adds its own time before the call.",
    );
    report.note(
      "The approval includes the daemon's deliberate 50 ms wait after new pane output before it reads the screen (so a burst of output is read once); the baseline stops at the first output bytes.",
    );
  },
};
