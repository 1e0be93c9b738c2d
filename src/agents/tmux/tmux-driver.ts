import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import type { Logger } from "pino";
import { pickEnvironment, TMUX_CLIENT_ENV } from "../agent-environment.js";
import { shellJoin, shellQuote } from "./shell-quote.js";
import { InvalidKeyError, TmuxCommandError, TmuxMissingError } from "./tmux-errors.js";

/** The wait-for channel the server's `pane-died` hook signals; the pane watcher waits on it. */
export const PANE_DIED_CHANNEL = "commander-pane-died";

export interface TmuxDriverOptions {
  /** The private server's socket (`tmux -S`); never the user's default server. */
  socketPath: string;
  logger: Logger;
  tmuxBinary?: string;
  /** The one session that holds every agent window of this daemon. */
  sessionName?: string;
  /** Size of detached windows, so TUIs render a predictable screen. */
  width?: number;
  height?: number;
  historyLimit?: number;
  /**
   * The environment of every tmux client this driver runs, and so of the server the first one starts, whose
   * global environment every window inherits. Default: the allow-listed basics of the daemon's environment.
   */
  environment?: Readonly<Record<string, string>>;
  /**
   * A directory of its own (emptied at first use) for the short-lived files that carry windows'
   * environments; default: a new one in /tmp.
   */
  envDir?: string;
}

export interface OpenWindowOptions {
  name: string;
  cwd: string;
  /** argv, executed directly by tmux (no shell in between). */
  command: readonly string[];
  /** Set in the program's environment through a 0600 file, never on a command line (values may be secrets). */
  env?: Readonly<Record<string, string>>;
}

export interface OpenedPane {
  paneId: string;
  panePid: number;
}

export interface PaneStatus {
  paneId: string;
  windowId: string;
  alive: boolean;
  /**
   * The exit code once the program exited (the pane stays, `remain-on-exit`), or its signal. Both can be
   * null for a moment after `alive` turned false: tmux closed the terminal before collecting the status.
   */
  exitStatus: number | null;
  exitSignal: number | null;
  pid: number;
  currentCommand: string;
}

export interface CaptureOptions {
  /** Keep colours and attributes as escape sequences (`capture-pane -e`). */
  escapes?: boolean;
  /** Also include this many lines of scrollback above the visible screen. */
  scrollback?: number;
  /** Keep the spaces a program wrote at the end of a line (`-N`), such as the one after a `> ` prompt. */
  trailingSpaces?: boolean;
}

export interface TmuxDriver {
  readonly socketPath: string;
  readonly sessionName: string;
  readonly tmuxBinary: string;
  /** The environment tmux clients (the pane watcher's too) run with. */
  readonly environment: Readonly<Record<string, string>>;
  ensureServer(): Promise<void>;
  openWindow(options: OpenWindowOptions): Promise<OpenedPane>;
  /** Delivers text literally (a paste, bracketed when the program asked for it); never as key names. */
  sendText(paneId: string, text: string): Promise<void>;
  /** Presses named keys (`Enter`, `Escape`, `Up`, `Down`, `1`, `y`, `C-c`, ...). */
  sendKeys(paneId: string, keys: readonly string[]): Promise<void>;
  capture(paneId: string, options?: CaptureOptions): Promise<string>;
  /** undefined when the pane no longer exists. */
  paneStatus(paneId: string): Promise<PaneStatus | undefined>;
  listPanes(): Promise<PaneStatus[]>;
  /**
   * Makes the server collect the exit status of programs that ended. tmux 3.3a now and then misses a
   * SIGCHLD: the program stays a zombie, its pane dead with no status, until another child exits.
   */
  reapExitedPanes(): Promise<void>;
  killWindow(target: string): Promise<void>;
  killServer(): Promise<void>;
  /** The shell command a person types to watch a pane (or window, or the session). */
  attachCommand(target?: string, options?: { readOnly?: boolean }): string;
  /** Runs one tmux command on this server; the escape hatch for the watcher and tests. */
  run(args: readonly string[], input?: string): Promise<string>;
}

const KEEPER_WINDOW = "commander";
const PANE_ID = /^%\d+$/;
// Named keys and single characters only: anything else is text and must be pasted.
const KEY_NAME =
  /^(?:[CMS]-)*(?:[A-Za-z0-9]|Enter|Escape|Tab|BTab|BSpace|Space|Up|Down|Left|Right|Home|End|PageUp|PageDown|PPage|NPage|IC|DC|F(?:[1-9]|1[0-2]))$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Run by `sh -c` in a new window: loads the environment file named by $1, removes it, runs the rest of argv.
const LAUNCH_SCRIPT = 'set -a && . "$1" && set +a && rm -f -- "$1" && shift && exec "$@"';
const STATUS_FORMAT = [
  "#{pane_id}",
  "#{window_id}",
  "#{pane_dead}",
  "#{pane_dead_status}",
  "#{pane_dead_signal}",
  "#{pane_pid}",
  "#{pane_current_command}",
].join("\t");

export function createTmuxDriver(options: TmuxDriverOptions): TmuxDriver {
  const {
    socketPath,
    tmuxBinary = "tmux",
    sessionName = "commander",
    width = 200,
    height = 50,
    historyLimit = 10000,
  } = options;
  const log = options.logger.child({ component: "tmux-driver", socketPath });
  // Only allow-listed variables: the server started by a client copies that client's environment into
  // every window. (TMUX and TMUX_PANE are not on the list: the private server must not think it is nested.)
  const clientEnv: Readonly<Record<string, string>> = { ...(options.environment ?? pickEnvironment(process.env, TMUX_CLIENT_ENV)) };
  let bufferCounter = 0;
  let starting: Promise<void> | undefined;
  let envDir: Promise<string> | undefined;

  function privateEnvDir(): Promise<string> {
    envDir ??= (async () => {
      if (options.envDir === undefined) return mkdtemp(join(tmpdir(), "commander-env-"));
      // A dedicated directory: what a killed daemon left there is of no use to anyone.
      const dir = resolve(options.envDir); // `.` looks a relative name up on PATH
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true, mode: 0o700 });
      return dir;
    })();
    return envDir;
  }

  /** Writes `env` as shell assignments to a new 0600 file that only the window's launch script reads. */
  async function writeEnvFile(env: Readonly<Record<string, string>>): Promise<string> {
    const lines = Object.entries(env).map(([key, value]) => {
      if (!ENV_NAME.test(key)) throw new TypeError(`invalid environment variable name: ${JSON.stringify(key)}`);
      return `${key}=${shellQuote(value)}\n`;
    });
    const file = join(await privateEnvDir(), `launch-${randomBytes(12).toString("hex")}.env`);
    await writeFile(file, lines.join(""), { mode: 0o600, flag: "wx" });
    return file;
  }

  function exec(globalArgs: readonly string[], args: readonly string[], input?: string): Promise<string> {
    log.debug({ command: args[0] }, "tmux command");
    return new Promise((resolve, reject) => {
      const child = execFile(
        tmuxBinary,
        [...globalArgs, "-S", socketPath, ...args],
        { env: clientEnv, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          if ((error as NodeJS.ErrnoException).code === "ENOENT") return reject(new TmuxMissingError(tmuxBinary));
          const code = typeof error.code === "number" ? error.code : null;
          reject(new TmuxCommandError(args, code, stderr));
        },
      );
      child.stdin?.on("error", () => {}); // tmux may exit before reading; the exit code tells the story
      child.stdin?.end(input ?? "");
    });
  }

  const run = (args: readonly string[], input?: string) => exec([], args, input);

  async function ignoreMissing(promise: Promise<unknown>): Promise<void> {
    try {
      await promise;
    } catch (error) {
      if (!(error instanceof TmuxCommandError && error.isMissingTarget)) throw error;
    }
  }

  async function hasSession(): Promise<boolean> {
    try {
      await run(["has-session", "-t", `=${sessionName}`]);
      return true;
    } catch (error) {
      if (error instanceof TmuxCommandError) return false;
      throw error;
    }
  }

  async function startServer(): Promise<void> {
    // `-f /dev/null`: the user's ~/.tmux.conf must not change remain-on-exit, indexes or the default shell here.
    // The keeper window holds the session (and so the server) open while no agent runs.
    const keeper = [
      "sh",
      "-c",
      "printf '%s\\n' 'Commander: agents run in the other windows of this session (C-b w lists them).'; exec cat >/dev/null",
    ];
    try {
      await exec(
        ["-f", "/dev/null"],
        [
          "start-server", ";",
          "set-option", "-g", "remain-on-exit", "on", ";",
          "set-option", "-g", "history-limit", String(historyLimit), ";",
          "set-option", "-g", "allow-rename", "off", ";",
          "set-option", "-g", "automatic-rename", "off", ";",
          "set-option", "-g", "default-size", `${width}x${height}`, ";",
          // By default a client attaching (a person with `attach_command`) copies its SSH_AUTH_SOCK, DISPLAY,
          // ... into the session, and every later window would get them.
          "set-option", "-g", "update-environment", "", ";",
          "set-hook", "-g", "pane-died", `wait-for -S ${PANE_DIED_CHANNEL}`, ";",
          "new-session", "-d", "-s", sessionName, "-n", KEEPER_WINDOW, "-x", String(width), "-y", String(height),
          "--", ...keeper,
        ],
      );
      log.info({ sessionName }, "tmux server started");
    } catch (error) {
      if (error instanceof TmuxCommandError && /duplicate session/i.test(error.stderr)) return;
      throw error;
    }
  }

  async function ensureServer(): Promise<void> {
    if (await hasSession()) return;
    starting ??= startServer().finally(() => {
      starting = undefined;
    });
    await starting;
  }

  function assertPane(paneId: string): void {
    if (!PANE_ID.test(paneId)) throw new TypeError(`not a tmux pane id: ${JSON.stringify(paneId)}`);
  }

  function parseStatus(line: string): PaneStatus {
    const [paneId = "", windowId = "", dead, status, signal, pid, currentCommand = ""] = line.split("\t");
    const alive = dead !== "1";
    return {
      paneId,
      windowId,
      alive,
      exitStatus: !alive && status !== "" ? Number(status) : null,
      exitSignal: !alive && signal !== "" && signal !== undefined ? Number(signal) : null,
      pid: Number(pid),
      currentCommand,
    };
  }

  return {
    socketPath,
    sessionName,
    tmuxBinary,
    environment: clientEnv,
    ensureServer,
    run,

    async openWindow({ name, cwd, command, env = {} }) {
      if (command.length === 0) throw new TypeError("openWindow needs a command");
      // tmux silently starts the program somewhere else when -c names no directory.
      const directory = await stat(cwd).catch(() => undefined);
      if (!isAbsolute(cwd) || !directory?.isDirectory()) throw new TypeError(`not a directory: ${cwd}`);
      await ensureServer();
      const args = ["new-window", "-d", "-P", "-F", "#{pane_id} #{pane_pid}", "-t", `=${sessionName}:`];
      args.push("-n", name.replace(/[^A-Za-z0-9_-]/g, "-") || "agent", "-c", cwd);
      // Not `new-window -e NAME=value`: every local user can read a command line in /proc/*/cmdline.
      const envFile = Object.keys(env).length > 0 ? await writeEnvFile(env) : undefined;
      // tmux runs a single-word command through the shell; `exec 'word'` keeps that word literal.
      const argv = envFile
        ? ["sh", "-c", LAUNCH_SCRIPT, "commander-launch", envFile, ...command]
        : command.length === 1
          ? [`exec ${shellQuote(command[0]!)}`]
          : command;
      let output: string;
      try {
        output = await run([...args, "--", ...argv]);
      } catch (error) {
        if (envFile) await rm(envFile, { force: true });
        throw error;
      }
      const match = /^(%\d+) (\d+)\s*$/.exec(output);
      if (!match) throw new TmuxCommandError(args, 0, `unexpected new-window output: ${JSON.stringify(output)}`);
      const opened = { paneId: match[1]!, panePid: Number(match[2]) };
      log.info({ ...opened, window: name }, "window opened");
      return opened;
    },

    async sendText(paneId, text) {
      assertPane(paneId);
      if (text === "") return;
      const buffer = `commander-${process.pid}-${++bufferCounter}-${randomBytes(4).toString("hex")}`;
      await run(["load-buffer", "-b", buffer, "-"], text);
      try {
        await run(["paste-buffer", "-p", "-d", "-b", buffer, "-t", paneId]);
      } catch (error) {
        await ignoreMissing(run(["delete-buffer", "-b", buffer]));
        throw error;
      }
    },

    async sendKeys(paneId, keys) {
      assertPane(paneId);
      for (const key of keys) if (!KEY_NAME.test(key)) throw new InvalidKeyError(key);
      if (keys.length === 0) return;
      await run(["send-keys", "-t", paneId, ...keys]);
    },

    async capture(paneId, { escapes = false, scrollback = 0, trailingSpaces = false } = {}) {
      assertPane(paneId);
      const args = ["capture-pane", "-p", "-t", paneId];
      if (escapes) args.push("-e");
      if (trailingSpaces) args.push("-N");
      if (scrollback > 0) args.push("-S", String(-Math.floor(scrollback)));
      return run(args);
    },

    async paneStatus(paneId) {
      assertPane(paneId);
      try {
        const status = parseStatus((await run(["display-message", "-p", "-t", paneId, STATUS_FORMAT])).replace(/\n$/, ""));
        // tmux 3.3 prints empty fields instead of failing when the pane is gone.
        return status.paneId === paneId ? status : undefined;
      } catch (error) {
        if (error instanceof TmuxCommandError && error.isMissingTarget) return undefined;
        throw error;
      }
    },

    async listPanes() {
      try {
        const output = await run(["list-panes", "-a", "-F", STATUS_FORMAT]);
        return output.split("\n").filter(Boolean).map(parseStatus);
      } catch (error) {
        if (error instanceof TmuxCommandError && error.isMissingTarget) return [];
        throw error;
      }
    },

    async reapExitedPanes() {
      try {
        const pid = Number((await run(["display-message", "-p", "#{pid}"])).trim());
        if (pid > 0) process.kill(pid, "SIGCHLD"); // the server's handler reaps every ended child
      } catch (error) {
        if (!(error instanceof TmuxCommandError && error.isMissingTarget)) throw error;
      }
    },

    async killWindow(target) {
      await ignoreMissing(run(["kill-window", "-t", target]));
      log.info({ target }, "window killed");
    },

    async killServer() {
      await ignoreMissing(run(["kill-server"]));
      if (envDir && options.envDir === undefined) {
        const dir = await envDir.catch(() => undefined);
        envDir = undefined;
        if (dir) await rm(dir, { recursive: true, force: true });
      }
      log.info({}, "tmux server killed");
    },

    attachCommand(target = `=${sessionName}`, { readOnly = false } = {}) {
      const base = [tmuxBinary, "-S", socketPath, "attach-session", ...(readOnly ? ["-r"] : [])];
      if (!PANE_ID.test(target)) return shellJoin([...base, "-t", target]);
      // A pane id names its session, not its window: select the window after attaching.
      return `${shellJoin([...base, "-t", target])} \\; ${shellJoin(["select-window", "-t", target])}`;
    },
  };
}
