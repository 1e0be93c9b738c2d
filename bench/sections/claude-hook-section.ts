import { randomUUID } from "node:crypto";
import { access, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CLAUDE_BINARY, prepareClaudeHome } from "../../test/support/claude-home.js";
import { startScriptedModelServer, type ModelTurn } from "../../test/support/scripted-model-server.js";
import { createTmuxSandbox } from "../../test/support/tmux-sandbox.js";
import { benchDaemonEnv, startSectionDaemon } from "../support/bench-projects.js";
import type { BenchSection } from "../support/bench-section.js";
import { watchNdjson } from "../support/change-watcher.js";
import { formatMs, formatPair, formatRatio } from "../support/format.js";
import { startBareRelay } from "../support/bare-relay.js";
import { msBetween, summarise } from "../support/stats.js";

const PROBE = /probe (\d+)/;

/**
 * The hook path with the real Claude Code CLI (node_modules/.bin/claude), offline: the CLI talks to the
 * test suite's scripted model server, which answers "probe <n>" with a Bash tool use. Measured from the
 * moment the model server sends that answer to the moment a watcher has the approval event, so the
 * figure holds the CLI's own work (reading the answer, its permission check, its http hook call) and
 * the daemon's. The baseline is the same CLI, in a tmux pane of its own, whose PermissionRequest hook
 * goes to a bare durable relay that answers "deny" at once.
 */
export const claudeHookSection: BenchSection = {
  id: "claude",
  title: "Event latency with the real Claude Code CLI",
  baseline:
    "the same CLI run outside Commander in a tmux pane, its PermissionRequest http hook going to a bare `node:http` relay (append + fdatasync, then a line to an NDJSON stream) that denies at once",
  async run(context) {
    const { settings, report, workspace, cleanup } = context;
    const available = await access(CLAUDE_BINARY).then(() => true, () => false);
    if (!settings.claude.enabled || !available) {
      report.note(available ? "Skipped (BENCH_CLAUDE=0)." : `Skipped: the Claude Code CLI is not installed at ${CLAUDE_BINARY}.`);
      return;
    }
    const samples = settings.claude.samples;
    const warmup = 1;
    const sentAt = new Map<string, bigint>();
    const model = await startScriptedModelServer({
      script(turn: ModelTurn) {
        if (turn.toolResults.length > 0) return { text: "Understood, I did not run it." };
        const probe = PROBE.exec(turn.prompt);
        if (!probe) return { text: "OK." };
        sentAt.set(probe[1]!, process.hrtime.bigint());
        return { toolUse: { name: "Bash", input: { command: `touch probe-${probe[1]}.txt`, description: "Benchmark probe" } } };
      },
    });
    cleanup.add("model server", () => model.close());
    const commanderDir = await workspace.dir("projects/claude-commander");
    const baselineDir = await workspace.dir("projects/claude-baseline");
    const home = await prepareClaudeHome({ baseUrl: model.url, trustedDirs: [commanderDir, baselineDir] });
    cleanup.add("claude home", () => home.cleanup());
    const probeOf = (change: any): string | undefined => /^touch probe-(\d+)\.txt$/.exec(change?.event?.context?.tool_input?.command ?? "")?.[1];

    // Commander: a claude-code session, a watcher on the change feed.
    const daemon = await startSectionDaemon(
      context,
      "claude",
      benchDaemonEnv({
        ...home.env,
        COMMANDER_RUNTIMES: JSON.stringify({ "claude-code": { command: [CLAUDE_BINARY] } }),
        COMMANDER_START_TIMEOUT: "90",
      }),
    );
    await daemon.call("POST", "/api/projects", { path: commanderDir, project_id: "claude-real", runtime: "claude-code" });
    await daemon.call("POST", `/api/sessions/claude-real/start`, {});
    const watcher = watchNdjson(`${daemon.url}/api/changes?project_id=claude-real&kinds=event_created&kinds=work_changed`);
    cleanup.add("change watcher", () => watcher.close());
    await watcher.ready;
    const commanderValues: number[] = [];
    for (let index = 0; index < warmup + samples; index++) {
      const id = String(index);
      const content = `please run the probe ${id}`;
      const raised = watcher.next((change) => change.kind === "event_created" && probeOf(change) === id, 60_000);
      const done = watcher.next((change) => change.kind === "work_changed" && change.work_item?.content === content && change.work_item?.state === "completed", 60_000);
      await daemon.call("POST", "/api/work", { project_id: "claude-real", content });
      const { message, at } = await raised;
      if (index >= warmup) commanderValues.push(msBetween(sentAt.get(id)!, at));
      await daemon.call("POST", `/api/events/${message.event.id}/resolve`, { resolution: "deny" });
      await done;
    }
    await daemon.stop();

    // Baseline: the CLI in a pane of its own, its hooks going to a bare relay.
    const deny = { hookSpecificOutput: { hookEventName: "PermissionRequest", decision: { behavior: "deny", message: "Denied by the benchmark." } } };
    const { url: relayUrl, watcher: relayWatcher } = await startBareRelay(
      "bare-claude-relay",
      [
        { path: "/api/hooks/permission", answer: deny },
        { path: "/api/hooks/stop", answer: {} },
      ],
      workspace,
      cleanup,
    );
    const settingsFile = join(workspace.root, "claude-baseline-settings.json");
    const hook = (path: string) => [{ hooks: [{ type: "http", url: `${relayUrl}${path}`, timeout: 60 }] }];
    await writeFile(settingsFile, JSON.stringify({ hooks: { PermissionRequest: hook("/api/hooks/permission"), Stop: hook("/api/hooks/stop") } }));
    const sandbox = await createTmuxSandbox();
    cleanup.add("tmux sandbox", () => sandbox.cleanup());
    const { paneId } = await sandbox.driver.openWindow({
      name: "claude",
      cwd: baselineDir,
      command: [CLAUDE_BINARY, "--session-id", randomUUID(), "--settings", settingsFile, "--permission-mode", "default"],
      env: home.env,
    });
    await waitForScreen(sandbox.driver.capture.bind(sandbox.driver, paneId), /^❯/m, 90_000);
    const baselineValues: number[] = [];
    for (let index = 0; index < warmup + samples; index++) {
      const id = String(1000 + index);
      const raised = relayWatcher.next((change) => typeof change?.body === "string" && change.body.includes(`touch probe-${id}.txt`), 60_000);
      const stopped = relayWatcher.next((change) => typeof change?.body === "string" && change.body.includes('"hook_event_name":"Stop"'), 60_000);
      await sandbox.driver.sendText(paneId, `please run the probe ${id}`);
      await sandbox.driver.sendKeys(paneId, ["Enter"]);
      const { at } = await raised;
      if (index >= warmup) baselineValues.push(msBetween(sentAt.get(id)!, at));
      await stopped;
    }

    const commander = summarise(commanderValues);
    const baseline = summarise(baselineValues);
    report.add({
      what: "Model's tool use sent → watcher has the approval event, p50 / p99",
      commander: formatPair(formatMs(commander.p50), formatMs(commander.p99)),
      baseline: formatPair(formatMs(baseline.p50), formatMs(baseline.p99)),
      ratio: formatPair(formatRatio(commander.p50, baseline.p50), formatRatio(commander.p99, baseline.p99)),
      raw: { samples, commander: [commander.p50, commander.p99], baseline: [baseline.p50, baseline.p99] },
    });
    report.note(
      `${samples} samples each after ${warmup} warm-up (the CLI is slow to start and heavy, so this section is kept short; BENCH_CLAUDE_SAMPLES sets the number, BENCH_CLAUDE=0 skips it). With so few samples, p99 is the worst sample.`,
    );
  },
};

async function waitForScreen(capture: () => Promise<string>, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pattern.test(await capture().catch(() => ""))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the Claude Code CLI did not show its prompt within ${timeoutMs} ms`);
}
