import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { killProcessesMentioning } from "./process-table.js";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const COMMANDER_BIN = join(REPO_ROOT, "bin", "commander.js");

export interface DaemonOptions {
  stateDir?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Time allowed to reach the "running" phase (default 60 s: a loaded CI machine starts slowly). */
  startTimeoutMs?: number;
}

export interface DaemonProcess {
  url: string;
  port: number;
  stateDir: string;
  child: ChildProcess;
  /** Everything the daemon wrote on stdout (JSON log lines) and stderr. */
  output(): string;
  logLines(): Array<Record<string, unknown>>;
  /** Sends a signal and waits for the exit; resolves with the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
  /**
   * Kills the daemon if it still runs and, unless another daemon started here runs on the same state
   * directory, its private tmux server and the agents in it (a daemon killed with SIGKILL leaves them
   * running); removes the state directory if this helper created it.
   */
  cleanup(): Promise<void>;
}

/** The running daemons this helper started, per state directory: they share its tmux server. */
const running = new Map<string, Set<ChildProcess>>();

/** The default time a daemon gets to start: generous, since the wait ends as soon as it runs. */
export const START_TIMEOUT_MS = 60_000;

/**
 * Processes still being started, each with what stops it. A test that times out while waiting for a
 * start is abandoned by mocha, not stopped: the root hooks (test/support/root-hooks.ts) stop what it left.
 */
const starting = new Map<ChildProcess, () => Promise<void>>();

/** Registers a process being started until the returned function is called. */
export function trackStart(child: ChildProcess, stop: () => Promise<void>): () => void {
  starting.set(child, stop);
  return () => void starting.delete(child);
}

/** The processes being started right now. */
export function startsInProgress(): ChildProcess[] {
  return [...starting.keys()];
}

/** Stops every start a test abandoned (it timed out waiting); resolves with the processes it stopped. */
export async function stopAbandonedStarts(): Promise<ChildProcess[]> {
  const abandoned = [...starting];
  starting.clear();
  await Promise.all(abandoned.map(([, stop]) => stop()));
  return abandoned.map(([child]) => child);
}

/** The daemon's private tmux socket (the rule of src/sessions/create-agent-supervisor.ts). */
export function tmuxSocketOf(stateDir: string): string {
  const preferred = join(stateDir, "tmux.sock");
  if (Buffer.byteLength(preferred) < 100) return preferred;
  return join(tmpdir(), `commander-${createHash("sha256").update(stateDir).digest("hex").slice(0, 16)}.sock`);
}

/**
 * Ends the private tmux server of a state directory with every program running in it (agents), found by
 * their command lines and parentage, not through the socket: the socket file may be gone already.
 */
export async function stopPrivateTmux(stateDir: string): Promise<void> {
  await killProcessesMentioning(`-S ${tmuxSocketOf(stateDir)}`);
}

/** Starts the real daemon process on a free port with a temporary state directory. */
export async function startDaemon(options: DaemonOptions = {}): Promise<DaemonProcess> {
  const ownDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), "commander-test-")));
  // An explicit, empty config file: the tests never read the user's own configuration.
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const configFile = join(stateDir, "test-config.json");
  await writeFile(configFile, "{}\n");
  const child = spawn(
    process.execPath,
    [COMMANDER_BIN, "daemon", "--port", "0", "--state-dir", stateDir, ...(options.args ?? [])],
    { cwd: REPO_ROOT, env: { ...process.env, COMMANDER_CONFIG: configFile, ...options.env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );

  const logLines = () =>
    output
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          return {};
        }
      });

  const siblings = running.get(stateDir) ?? new Set<ChildProcess>();
  running.set(stateDir, siblings.add(child));
  child.once("exit", () => siblings.delete(child));
  // This daemon is done with: unless another daemon runs on its state directory (a restart), its tmux
  // server and agents go too.
  const forget = async () => {
    if (siblings.size === 0) await stopPrivateTmux(stateDir);
  };
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
    await forget();
  };
  let abandoned = false;
  const untrack = trackStart(child, async () => {
    abandoned = true;
    await kill();
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? START_TIMEOUT_MS);
  let port = 0;
  try {
    while (port === 0) {
      const running = logLines().find((line) => line.phase === "running" && typeof line.port === "number");
      if (running) port = running.port as number;
      else if (abandoned) throw new Error("daemon start abandoned: the test timed out");
      else if (child.exitCode !== null || child.signalCode !== null) {
        await forget();
        throw new Error(`daemon exited during start-up (${child.exitCode ?? child.signalCode}):\n${output}`);
      } else if (Date.now() > deadline) {
        await kill();
        throw new Error(`daemon did not start in ${(options.startTimeoutMs ?? START_TIMEOUT_MS) / 1000} s:\n${output}`);
      } else await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } catch (error) {
    if (ownDir) await rm(stateDir, { recursive: true, force: true });
    throw error;
  } finally {
    untrack();
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stateDir,
    child,
    output: () => output,
    logLines,
    async stop(signal = "SIGTERM", timeoutMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode ?? "unknown";
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    async cleanup() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
      await forget();
      if (ownDir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}
