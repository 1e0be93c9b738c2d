import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { waitFor } from "../../support/wait-for.js";

const run = promisify(execFile);

/** A tmux server of the test's own (`tmux -S <socket>`), so the user's tmux is never touched. */
export interface PrivateTmux {
  socket: string;
  /** Starts a detached session running `command` in a terminal of the given size; returns its target. */
  start(name: string, command: string, env?: Record<string, string>, size?: { width: number; height: number }): Promise<string>;
  sendKeys(target: string, ...keys: string[]): Promise<void>;
  /** The pane's visible text. */
  capture(target: string): Promise<string>;
  /** Waits until the pane's text matches `pattern` and returns that text. */
  waitForScreen(target: string, pattern: RegExp, timeoutMs?: number): Promise<string>;
  kill(): Promise<void>;
}

export function createPrivateTmux(): PrivateTmux {
  const dir = mkdtempSync(join(tmpdir(), "commander-cli-tmux-"));
  const socket = join(dir, "tmux.sock");
  const config = join(dir, "tmux.conf");
  // Dead panes stay (showing "Pane is dead (status N, ...)") so the test can read the last screen.
  writeFileSync(config, "set -g remain-on-exit on\nset -g status off\n");
  const tmux = (...args: string[]) => run("tmux", ["-S", socket, "-f", config, ...args]);
  const capture = async (target: string) => (await tmux("capture-pane", "-p", "-J", "-S", "-", "-t", target)).stdout;
  return {
    socket,
    async start(name, command, env = {}, size = { width: 160, height: 50 }) {
      const envArgs = Object.entries(env).flatMap(([key, value]) => ["-e", `${key}=${value}`]);
      await tmux("new-session", "-d", "-s", name, "-x", String(size.width), "-y", String(size.height), ...envArgs, command);
      return `${name}:0.0`;
    },
    async sendKeys(target, ...keys) {
      await tmux("send-keys", "-t", target, ...keys);
    },
    capture,
    async waitForScreen(target, pattern, timeoutMs = 30_000) {
      let last = "";
      try {
        return await waitFor(
          async () => {
            last = await capture(target);
            return pattern.test(last) ? last : undefined;
          },
          { timeoutMs, intervalMs: 100, what: `the tmux pane to show ${pattern}` },
        );
      } catch (err) {
        throw new Error(`${(err as Error).message}\nscreen:\n${last}`);
      }
    },
    async kill() {
      await tmux("kill-server").catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
