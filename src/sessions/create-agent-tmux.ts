import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { createPaneWatcher, type PaneWatcher } from "../agents/tmux/pane-watcher.js";
import { createTmuxDriver, type TmuxDriver } from "../agents/tmux/tmux-driver.js";

/** The tmux parts the agent supervisor is given: the driver of the daemon's private server, and its watcher. */
export interface AgentTmux {
  driver: TmuxDriver;
  /** A control-mode watcher of the server's panes (a new one after the server died). */
  createWatcher(): PaneWatcher;
}

/** The private tmux server of a state directory (one per daemon). */
export function createAgentTmux(stateDir: string, logger: Logger): AgentTmux {
  const driver = createTmuxDriver({
    socketPath: tmuxSocketPath(stateDir),
    envDir: join(stateDir, "agent-env"),
    logger: logger.child({ component: "tmux" }),
  });
  return { driver, createWatcher: () => createPaneWatcher({ driver, logger: logger.child({ component: "pane-watcher" }) }) };
}

// A Unix socket path must stay short (about 100 bytes); long state directories get one in /tmp instead.
export function tmuxSocketPath(stateDir: string): string {
  const preferred = join(stateDir, "tmux.sock");
  if (Buffer.byteLength(preferred) < 100) return preferred;
  return join(tmpdir(), `commander-${createHash("sha256").update(stateDir).digest("hex").slice(0, 16)}.sock`);
}
