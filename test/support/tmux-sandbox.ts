import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino, type Logger } from "pino";
import { createPaneWatcher, type PaneWatcher } from "../../src/agents/tmux/pane-watcher.js";
import { createTmuxDriver, type TmuxDriver } from "../../src/agents/tmux/tmux-driver.js";

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
      await driver.killServer();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
