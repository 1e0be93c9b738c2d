import { spawn, execFile, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { msBetween } from "./stats.js";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const COMMANDER_BIN = join(REPO_ROOT, "bin", "commander.js");
const OUTPUT_KEPT = 64 * 1024;

export interface BenchDaemonOptions {
  stateDir: string;
  /** An empty config file, so the user's own configuration is never read. */
  configFile: string;
  /** COMMANDER_* settings and anything the agents need. */
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /** Options for node itself, e.g. ["--cpu-prof"] to profile the daemon; default: $BENCH_DAEMON_NODE_ARGS. */
  nodeArgs?: string[];
}

export interface RestAnswer<T> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface BenchDaemon {
  url: string;
  port: number;
  pid: number;
  stateDir: string;
  tmuxSocket: string;
  child: ChildProcess;
  /** From spawning the process to the first 200 answer of `GET /api/health`. */
  servingMs: number;
  /** A REST call; throws unless the status is 2xx. */
  call<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  request<T = any>(method: string, path: string, body?: unknown): Promise<RestAnswer<T>>;
  /** SIGTERM, then waits for the exit; resolves with the milliseconds the shutdown took. */
  stop(timeoutMs?: number): Promise<number>;
  /** SIGKILL and removal of its tmux server, for cleanup after a failure. */
  kill(): Promise<void>;
  output(): string;
}

/** Starts `commander daemon` on port 0 and times it until it answers its health route. */
export async function startBenchDaemon(options: BenchDaemonOptions): Promise<BenchDaemon> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("COMMANDER_")) env[key] = value;
  Object.assign(env, { COMMANDER_CONFIG: options.configFile, ...options.env });
  delete env.TMUX;
  delete env.TMUX_PANE;

  const started = process.hrtime.bigint();
  const nodeArgs = options.nodeArgs ?? (process.env.BENCH_DAEMON_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, COMMANDER_BIN, "daemon", "--port", "0", "--state-dir", options.stateDir], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let pending = "";
  let resolvePort: (port: number) => void;
  const portKnown = new Promise<number>((resolve) => (resolvePort = resolve));
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-OUTPUT_KEPT);
  };
  child.stdout!.on("data", (chunk: Buffer) => {
    keep(chunk);
    pending += chunk.toString("utf8");
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      if (!line.includes('"phase":"running"')) continue;
      try {
        const port = (JSON.parse(line) as { port?: number }).port;
        if (typeof port === "number") resolvePort(port);
      } catch {
        // not a log line
      }
    }
    if (pending.length > OUTPUT_KEPT) pending = "";
  });
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const timeoutMs = options.startTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const failure = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`daemon did not start within ${timeoutMs} ms:\n${output.slice(-2000)}`)), timeoutMs);
    void exited.then(() => reject(new Error(`daemon exited during start-up (${child.exitCode ?? child.signalCode}):\n${output.slice(-2000)}`)));
  });
  let port: number;
  try {
    port = await Promise.race([portKnown, failure]);
    const url = `http://127.0.0.1:${port}`;
    await Promise.race([waitForHealth(url), failure]);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const servingMs = msBetween(started, process.hrtime.bigint());
  failure.catch(() => undefined);

  const url = `http://127.0.0.1:${port}`;
  const tmuxSocket = join(options.stateDir, "tmux.sock");
  const request = async <T>(method: string, path: string, body?: unknown): Promise<RestAnswer<T>> => {
    const response = await fetch(url + path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed as T, text, headers: response.headers };
  };

  return {
    url,
    port,
    pid: child.pid!,
    stateDir: options.stateDir,
    tmuxSocket,
    child,
    servingMs,
    request,
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const answer = await request<T>(method, path, body);
      if (answer.status < 200 || answer.status > 299) throw new Error(`${method} ${path}: HTTP ${answer.status} ${answer.text.slice(0, 300)}`);
      return answer.body;
    },
    async stop(stopTimeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return 0;
      const begin = process.hrtime.bigint();
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), stopTimeoutMs);
      await exited;
      clearTimeout(killer);
      return msBetween(begin, process.hrtime.bigint());
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
      await killTmuxServer(tmuxSocket);
    },
    output: () => output,
  };
}

async function waitForHealth(url: string): Promise<void> {
  for (;;) {
    const ok = await fetch(`${url}/api/health`).then(
      async (response) => {
        await response.arrayBuffer();
        return response.status === 200;
      },
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Ends a private tmux server (ours, by its socket); quiet when there is none. */
export function killTmuxServer(socketPath: string): Promise<void> {
  return new Promise((resolve) => execFile("tmux", ["-S", socketPath, "kill-server"], () => resolve()));
}
