import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const CLAUDE_BINARY = fileURLToPath(new URL("../../node_modules/.bin/claude", import.meta.url));

/**
 * A daemon environment whose projects run the real Claude Code CLI in this HOME: the CLI's own
 * environment, claude-code as the default runtime, and `extra` settings on top.
 */
export function claudeDaemonEnv(claudeHome: ClaudeHome, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...claudeHome.env,
    COMMANDER_DEFAULT_RUNTIME: "claude-code",
    COMMANDER_RUNTIMES: JSON.stringify({ "claude-code": { command: [CLAUDE_BINARY] } }),
    COMMANDER_START_TIMEOUT: "60",
    ...extra,
  };
}

export interface ClaudeHomeOptions {
  /** The scripted model server. */
  baseUrl: string;
  apiKey?: string;
  /** Pre-approve the API key so the "Detected a custom API key" dialog does not show (default true). */
  approveApiKey?: boolean;
  /** Folders whose trust dialog is already answered. */
  trustedDirs?: readonly string[];
}

export interface ClaudeHome {
  home: string;
  apiKey: string;
  /** Environment for the CLI's pane: HOME, the model server, the key, and no background traffic. */
  env: Record<string, string>;
  /** The CLI's own state file, as it is now. */
  readConfig(): Promise<Record<string, unknown>>;
  cleanup(): Promise<void>;
}

/**
 * A throwaway HOME for the real Claude Code CLI. Observed with 2.1.33x: without `hasCompletedOnboarding` it
 * shows a welcome flow and exits offline; the API-key dialog is skipped when the key's last 20 characters
 * are listed under `customApiKeyResponses.approved`; folder trust lives under `projects[dir]`.
 */
export async function prepareClaudeHome(options: ClaudeHomeOptions): Promise<ClaudeHome> {
  const home = await mkdtemp(join(tmpdir(), "commander-claude-home-"));
  const apiKey = options.apiKey ?? `sk-ant-test-${"0123456789abcdefghijklmnopqrstuv"}`;
  const config = {
    hasCompletedOnboarding: true,
    customApiKeyResponses: { approved: options.approveApiKey === false ? [] : [apiKey.slice(-20)], rejected: [] },
    projects: Object.fromEntries(
      (options.trustedDirs ?? []).map((dir) => [dir, { hasTrustDialogAccepted: true, allowedTools: [] }]),
    ),
  };
  await writeFile(join(home, ".claude.json"), JSON.stringify(config, null, 2), { mode: 0o600 });
  return {
    home,
    apiKey,
    env: {
      HOME: home,
      ANTHROPIC_BASE_URL: options.baseUrl,
      ANTHROPIC_API_KEY: apiKey,
      // A failed turn fails at once instead of retrying ten times with back-off.
      CLAUDE_CODE_MAX_RETRIES: "0",
      DISABLE_TELEMETRY: "1",
      DISABLE_AUTOUPDATER: "1",
      DISABLE_ERROR_REPORTING: "1",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    },
    readConfig: async () => JSON.parse(await readFile(join(home, ".claude.json"), "utf8")) as Record<string, unknown>,
    cleanup: () => rm(home, { recursive: true, force: true, maxRetries: 3 }),
  };
}
