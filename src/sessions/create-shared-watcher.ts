import type { PaneWatcher } from "../agents/tmux/pane-watcher.js";
import type { Logger } from "../app/logger.js";
import type { AgentTmux } from "./create-agent-tmux.js";
import type { SessionController } from "./session-controller.js";

export interface SharedWatcherOptions {
  tmux: AgentTmux;
  logger: Logger;
  /** The running agents, by project: the watcher's events are routed to the controller of their pane. */
  controllers: ReadonlyMap<string, SessionController>;
}

/** The one control-mode client that watches every agent pane of the private tmux server. */
export interface SharedWatcher {
  /** The watcher, started (and the server reset once) if there is none yet. */
  ensure(): Promise<PaneWatcher>;
  /** The running watcher, if any (null after the server died, until the next `ensure`). */
  current(): PaneWatcher | null;
}

export function createSharedWatcher({ tmux, logger, controllers }: SharedWatcherOptions): SharedWatcher {
  const driver = tmux.driver;
  let watcher: PaneWatcher | null = null;
  let watcherStarting: Promise<PaneWatcher> | null = null;
  let serverReset: Promise<void> | null = null;

  const controllerOfPane = (paneId: string) => [...controllers.values()].find((controller) => controller.paneId === paneId);

  async function ensure(): Promise<PaneWatcher> {
    // Agents left behind by a daemon that was killed cannot be re-adopted: their hooks and secrets are
    // gone. The private server is reset once, so a stale pane id can never address a foreign program.
    serverReset ??= driver.killServer().catch(() => undefined);
    await serverReset;
    if (watcher) return watcher;
    // Agents started together share one watcher: a second control client would read every pane twice.
    watcherStarting ??= startWatcher().finally(() => {
      watcherStarting = null;
    });
    return watcherStarting;
  }

  async function startWatcher(): Promise<PaneWatcher> {
    await driver.ensureServer();
    const created = tmux.createWatcher();
    created.on("output", (paneId, data) => controllerOfPane(paneId)?.onOutput(data));
    created.on("screen", (paneId, screen) => void controllerOfPane(paneId)?.onScreen(screen));
    created.on("exited", (exit) => {
      const controller = controllerOfPane(exit.paneId);
      if (controller) void controller.onExit(exit, created.screen(exit.paneId) ?? "");
    });
    created.on("error", (error) => logger.warn({ err: error }, "pane watcher error"));
    // The control client ended (the private tmux server died): every agent in it is gone with it, and the
    // next start needs a new watcher.
    created.on("closed", () => {
      if (watcher === created) watcher = null;
      for (const controller of [...controllers.values()]) {
        void controller.onExit({ paneId: controller.paneId, inspectable: false, exitStatus: null, exitSignal: null }, "");
      }
    });
    await created.start();
    watcher = created;
    return created;
  }

  return { ensure, current: () => watcher };
}
