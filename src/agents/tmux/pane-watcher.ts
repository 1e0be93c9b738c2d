import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { EventEmitter } from "node:events";
import { StringDecoder } from "node:string_decoder";
import type { Logger } from "pino";
import { createControlModeParser } from "./control-mode-parser.js";
import { PANE_DIED_CHANNEL, type PaneStatus, type TmuxDriver } from "./tmux-driver.js";
import { TmuxCommandError, TmuxMissingError } from "./tmux-errors.js";

export interface PaneExit {
  paneId: string;
  /** The pane still exists (dead, kept by remain-on-exit) and can be captured; false once it is gone. */
  inspectable: boolean;
  /** Both null: unknown (the pane is gone, or tmux did not collect the status within 3 s). */
  exitStatus: number | null;
  exitSignal: number | null;
}

export interface PaneWatcherEvents {
  /** Raw program output of any pane of the session, as it arrives. */
  output: [paneId: string, data: string];
  /** The rendered screen (`capture-pane -p -N`) of a watched pane, after new output; only when it changed. */
  screen: [paneId: string, screen: string];
  /** A watched pane's program exited or the pane disappeared; emitted once per pane. */
  exited: [exit: PaneExit];
  /** The control client ended (server killed, session gone); no more events follow. */
  closed: [];
  /** A tmux command failed unexpectedly; emitted only when someone listens (logged either way). */
  error: [error: Error];
}

export interface PaneWatcherOptions {
  driver: TmuxDriver;
  logger: Logger;
  /** Wait after the first new output before capturing the screen, so a burst is captured once. */
  debounceMs?: number;
}

export interface PaneWatcher extends EventEmitter<PaneWatcherEvents> {
  start(): Promise<void>;
  /** Tracks a pane: its screen, and its exit (reported even if it exited before this call). */
  watch(paneId: string): Promise<void>;
  unwatch(paneId: string): void;
  /** Turns screen captures after output on or off for a watched pane; exits are reported either way. */
  readScreens(paneId: string, enabled: boolean): void;
  /** The last screen captured for a watched pane. */
  screen(paneId: string): string | undefined;
  /** Captures now; emits `screen` if it changed. */
  refresh(paneId: string): Promise<string | undefined>;
  close(): Promise<void>;
}

const DEAD_SUBSCRIPTION = "commander-dead";
const STATUS_WAIT_MS = 3000;

interface Watched {
  /** Capture the screen after output (off for agents that report through hooks once they run). */
  readScreens: boolean;
  screen?: string;
  timer?: NodeJS.Timeout;
  capturing?: Promise<void>;
  dirty: boolean;
}

/**
 * Watches a driver's session through one tmux control-mode client: `%output` carries program output as
 * it happens, `%window-close` says a window went away, and a `wait-for` on the channel that the
 * server's `pane-died` hook signals (backed by a `#{pane_dead}` subscription) says a program exited.
 * Screens are captured only after output, never on a timer.
 */
export function createPaneWatcher(options: PaneWatcherOptions): PaneWatcher {
  const { driver, debounceMs = 50 } = options;
  const log = options.logger.child({ component: "pane-watcher" });
  const emitter = new EventEmitter<PaneWatcherEvents>() as PaneWatcher;
  const watched = new Map<string, Watched>();
  const exited = new Set<string>();
  const decoders = new Map<string, StringDecoder>();
  const replyHandlers: Array<(ok: boolean, lines: string[]) => void> = [];
  let child: ChildProcessWithoutNullStreams | undefined;
  let closing = false;
  let checking: Promise<void> | undefined;
  let checkAgain = false;
  let attached: (() => void) | undefined;
  let starting: Promise<void> | undefined;
  let recheckTimer: NodeJS.Timeout | undefined;
  const awaitingStatus = new Map<string, number>();

  const parser = createControlModeParser({
    output(paneId, data) {
      let decoder = decoders.get(paneId);
      if (!decoder) decoders.set(paneId, (decoder = new StringDecoder("utf8")));
      const text = decoder.write(data);
      if (text) emitter.emit("output", paneId, text);
      const entry = watched.get(paneId);
      if (entry && entry.readScreens) scheduleCapture(paneId, entry);
    },
    notification(name, args) {
      if (name === "window-close" || name === "unlinked-window-close") void checkPanes();
      else if (name === "subscription-changed" && args.startsWith(`${DEAD_SUBSCRIPTION} `) && / : 1-/.test(args)) void checkPanes();
      else if (name === "session-changed") attached?.();
    },
    reply({ fromThisClient, ok, lines }) {
      if (fromThisClient) replyHandlers.shift()?.(ok, lines);
    },
  });

  function fail(error: unknown): void {
    log.warn({ err: error }, "pane watcher tmux call failed");
    if (emitter.listenerCount("error") > 0) emitter.emit("error", error as Error);
  }

  function send(command: string, onReply: (ok: boolean, lines: string[]) => void = () => {}): void {
    if (!child || child.stdin.destroyed) return;
    replyHandlers.push(onReply);
    child.stdin.write(`${command}\n`);
  }

  // The control client's command queue blocks on `wait-for` until a pane dies, so the reply to the
  // command queued behind it is the wake-up; then the next wait is armed. tmux 3.3a skips the
  // `pane-died` hook for some programs that exit right after starting, so a subscription to
  // `#{pane_dead}` (which tmux evaluates once a second) backs it up.
  function armDeathWait(): void {
    send(`wait-for ${PANE_DIED_CHANNEL}`);
    send("display-message -p woken", (ok) => {
      if (!ok) return log.warn({}, "pane-died wait failed");
      void checkPanes();
      armDeathWait();
    });
  }

  function scheduleCapture(paneId: string, entry: Watched): void {
    entry.dirty = true;
    if (entry.timer || entry.capturing) return;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void capture(paneId, entry);
    }, debounceMs);
  }

  async function capture(paneId: string, entry: Watched): Promise<void> {
    entry.dirty = false;
    entry.capturing = (async () => {
      try {
        const screen = await driver.capture(paneId, { trailingSpaces: true });
        if (watched.get(paneId) !== entry || screen === entry.screen) return;
        entry.screen = screen;
        emitter.emit("screen", paneId, screen);
      } catch (error) {
        if (!(error instanceof TmuxCommandError && error.isMissingTarget)) fail(error);
      }
    })();
    await entry.capturing;
    entry.capturing = undefined;
    if (entry.dirty && watched.get(paneId) === entry) scheduleCapture(paneId, entry);
  }

  async function reportExit(paneId: string, status: PaneStatus | undefined): Promise<void> {
    if (exited.has(paneId)) return;
    exited.add(paneId);
    awaitingStatus.delete(paneId);
    const entry = watched.get(paneId);
    if (entry && status) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = undefined;
      await entry.capturing;
      await capture(paneId, entry); // the final screen, before anyone reacts to the exit
    }
    log.info({ paneId, exitStatus: status?.exitStatus ?? null, gone: !status }, "pane exited");
    emitter.emit("exited", {
      paneId,
      inspectable: status !== undefined,
      exitStatus: status?.exitStatus ?? null,
      exitSignal: status?.exitSignal ?? null,
    });
  }

  // Coalesced: overlapping triggers (a death and a window close at once) lead to one more pass, not many.
  function checkPanes(): Promise<void> {
    if (checking) {
      checkAgain = true;
      return checking;
    }
    checking = (async () => {
      do {
        checkAgain = false;
        try {
          const panes = new Map((await driver.listPanes()).map((pane) => [pane.paneId, pane]));
          let exiting = false;
          for (const paneId of watched.keys()) {
            const status = panes.get(paneId);
            if (status?.alive) continue;
            if (status && status.exitStatus === null && status.exitSignal === null && !statusOverdue(paneId)) exiting = true;
            else await reportExit(paneId, status);
          }
          if (exiting) scheduleRecheck();
        } catch (error) {
          fail(error);
        }
      } while (checkAgain);
    })().finally(() => {
      checking = undefined;
    });
    return checking;
  }

  // A pane whose program is dead but whose exit status tmux has not collected yet: the status usually
  // follows within milliseconds, but tmux 3.3a sometimes misses the SIGCHLD and never collects it, so
  // the server is asked to reap, and the pane looked at again. After STATUS_WAIT_MS the exit is
  // reported with an unknown status.
  function statusOverdue(paneId: string): boolean {
    const since = awaitingStatus.get(paneId) ?? Date.now();
    awaitingStatus.set(paneId, since);
    return Date.now() - since >= STATUS_WAIT_MS;
  }

  function scheduleRecheck(): void {
    if (recheckTimer) return;
    recheckTimer = setTimeout(() => {
      recheckTimer = undefined;
      void driver
        .reapExitedPanes()
        .catch(fail)
        .then(() => checkPanes());
    }, 50);
  }

  function onClientEnd(): void {
    if (closing) return;
    log.warn({}, "control client ended");
    child = undefined;
    replyHandlers.length = 0;
    // The server or the session is gone, and every pane with it.
    void (async () => {
      for (const paneId of watched.keys()) await reportExit(paneId, await driver.paneStatus(paneId).catch(() => undefined));
      emitter.emit("closed");
    })();
  }

  // Callers that start the watcher at the same time share one control client: a second client would
  // deliver every pane's output a second time.
  emitter.start = () => {
    if (child) return Promise.resolve();
    starting ??= attach().finally(() => {
      starting = undefined;
    });
    return starting;
  };

  async function attach(): Promise<void> {
    await driver.ensureServer();
    closing = false;
    const spawned = spawn(
      driver.tmuxBinary,
      ["-S", driver.socketPath, "-C", "attach-session", "-f", "ignore-size", "-t", `=${driver.sessionName}`],
      { env: driver.environment, stdio: ["pipe", "pipe", "pipe"] },
    );
    await new Promise<void>((resolve, reject) => {
      spawned.once("spawn", resolve);
      spawned.once("error", (error) =>
        reject((error as NodeJS.ErrnoException).code === "ENOENT" ? new TmuxMissingError(driver.tmuxBinary) : error),
      );
    });
    child = spawned;
    spawned.stdin.on("error", () => {});
    spawned.stdout.on("data", (chunk: Buffer) => parser.push(chunk));
    let stderr = "";
    spawned.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    // Commands written before the client is attached run outside the session and its notifications never
    // start, so nothing is sent until tmux reports the attach.
    await new Promise<void>((resolve, reject) => {
      attached = resolve;
      spawned.once("exit", (code) => reject(new TmuxCommandError(["attach-session"], code, stderr)));
    }).finally(() => {
      attached = undefined;
    });
    spawned.once("exit", onClientEnd);
    // Sent before the queue blocks on wait-for. The exit status is part of the value because tmux may mark
    // a pane dead (its terminal closed) a moment before it has collected the exit status.
    send(`refresh-client -B '${DEAD_SUBSCRIPTION}:%*:#{pane_dead}-#{pane_dead_status}-#{pane_dead_signal}'`);
    armDeathWait();
    log.info({}, "pane watcher started");
  }

  emitter.readScreens = (paneId, enabled) => {
    const entry = watched.get(paneId);
    if (entry) entry.readScreens = enabled;
  };

  emitter.watch = async (paneId) => {
    if (watched.has(paneId)) return;
    const entry: Watched = { dirty: false, readScreens: true };
    watched.set(paneId, entry);
    exited.delete(paneId);
    await capture(paneId, entry);
    await checkPanes();
  };

  emitter.unwatch = (paneId) => {
    const entry = watched.get(paneId);
    if (entry?.timer) clearTimeout(entry.timer);
    watched.delete(paneId);
    exited.delete(paneId);
    decoders.delete(paneId);
    awaitingStatus.delete(paneId);
  };

  emitter.screen = (paneId) => watched.get(paneId)?.screen;

  emitter.refresh = async (paneId) => {
    const entry = watched.get(paneId);
    if (!entry) return undefined;
    await entry.capturing;
    await capture(paneId, entry);
    return entry.screen;
  };

  emitter.close = async () => {
    closing = true;
    if (recheckTimer) clearTimeout(recheckTimer);
    recheckTimer = undefined;
    for (const paneId of [...watched.keys()]) emitter.unwatch(paneId);
    const current = child;
    child = undefined;
    replyHandlers.length = 0;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const ended = new Promise<void>((resolve) => current.once("exit", () => resolve()));
    current.stdin.end();
    const timer = setTimeout(() => current.kill("SIGTERM"), 1000);
    await ended;
    clearTimeout(timer);
    log.info({}, "pane watcher closed");
  };

  return emitter;
}
