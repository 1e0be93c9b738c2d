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
  /**
   * Starts a detached session running `command` (a shell command line) in a terminal of the given size;
   * returns its target. When the command ends, the pane shows `[exit status N]` and stays.
   */
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
  writeFileSync(config, "set -g status off\n");
  const tmux = (...args: string[]) => run("tmux", ["-S", socket, "-f", config, ...args]);
  const capture = async (target: string) => (await tmux("capture-pane", "-p", "-J", "-S", "-", "-t", target)).stdout;
  return {
    socket,
    async start(name, command, env = {}, size = { width: 160, height: 50 }) {
      const envArgs = Object.entries(env).flatMap(([key, value]) => ["-e", `${key}=${value}`]);
      // The shell reports the exit status itself: tmux 3.3 can be late to notice that a pane's process
      // died, and the pane must stay for the test to read its last screen.
      const wrapped = `${command}; printf '\\n[exit status %s]\\n' "$?"; exec sleep 86400`;
      await tmux("new-session", "-d", "-s", name, "-x", String(size.width), "-y", String(size.height), ...envArgs, wrapped);
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
