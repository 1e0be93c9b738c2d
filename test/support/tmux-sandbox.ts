import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino, type Logger } from "pino";
import { createPaneWatcher, type PaneWatcher } from "../../src/agents/tmux/pane-watcher.js";
import { createTmuxDriver, type TmuxDriver } from "../../src/agents/tmux/tmux-driver.js";
import { waitFor } from "./wait-for.js";

// A zombie counts as ended: once the tmux server is gone, its children wait for init to reap them.
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

export interface TmuxSandbox {
  dir: string;
  logger: Logger;
  driver: TmuxDriver;
  watcher: PaneWatcher;
  /** Closes the watcher, kills the private server and removes the directory. */
  cleanup(): Promise<void>;
}

/** A private tmux server on a socket in a fresh temporary directory, with a started pane watcher. */
export async function createTmuxSandbox(): Promise<TmuxSandbox> {
  const dir = await mkdtemp(join(tmpdir(), "commander-tmux-"));
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const driver = createTmuxDriver({ socketPath: join(dir, "tmux.sock"), logger, width: 120, height: 40 });
  const watcher = createPaneWatcher({ driver, logger });
  await watcher.start();
  return {
    dir,
    logger,
    driver,
    watcher,
    async cleanup() {
      await watcher.close();
      const pids = (await driver.listPanes()).filter((pane) => pane.alive).map((pane) => pane.pid);
      await driver.killServer();
      // The programs get SIGHUP and may still write files (Claude Code does) while they exit.
      await waitFor(() => pids.every((pid) => !isRunning(pid)), { timeoutMs: 5000, what: "the panes' programs to exit" });
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
