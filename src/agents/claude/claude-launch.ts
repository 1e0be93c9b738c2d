import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { shellJoin } from "../tmux/shell-quote.js";

/** The environment variable that carries the hook secret; hooks interpolate it, the settings file never holds it. */
export const HOOK_SECRET_ENV = "COMMANDER_HOOK_SECRET";

export const CLAUDE_HOOK_EVENTS = [
  "SessionStart",
  "UserPromptSubmit",
  "PermissionRequest",
  "Notification",
  "Stop",
  "StopFailure",
  "SessionEnd",
  // A permission dialog answered in the pane fires no hook of its own: the tool running (or being refused) says so.
  "PostToolUse",
  "PostToolUseFailure",
  "PermissionDenied",
] as const;
export type ClaudeHookEvent = (typeof CLAUDE_HOOK_EVENTS)[number] | "PreToolUse";

/** `default` is what the CLI reports as "manual mode"; `auto` is 2.1.33x's own default, which rarely asks. */
export const CLAUDE_PERMISSION_MODES = ["default", "manual", "acceptEdits", "auto", "plan", "dontAsk", "bypassPermissions"] as const;
export type ClaudePermissionMode = (typeof CLAUDE_PERMISSION_MODES)[number];

export interface ClaudeLaunchOptions {
  /** A UUID: the CLI's `--session-id`, and the `session_id` of every hook payload. */
  sessionId: string;
  /** Continue that session's conversation (`--resume <id>`: same id, SessionStart `source: "resume"`). */
  resume?: boolean;
  hookUrl: string;
  hookSecret: string;
  permissionMode?: ClaudePermissionMode;
  /** Private directory (created 0700) for the per-session settings file. */
  settingsDir: string;
  binary?: string;
  extraArgs?: readonly string[];
  /** `http` hooks (default) or a `command` hook that forwards through Node, for CLIs without `http` hooks. */
  hookTransport?: "http" | "command";
  events?: readonly ClaudeHookEvent[];
  /** How long a PermissionRequest may wait for a human before the CLI shows its own dialog. */
  permissionTimeoutSeconds?: number;
  /** Node used by `command` hooks; the daemon's own by default. */
  nodeBinary?: string;
}

export interface ClaudeLaunch {
  command: string[];
  env: Record<string, string>;
  settingsPath: string;
  settings: ClaudeSettings;
}

interface HookHandler {
  type: "http" | "command";
  url?: string;
  command?: string;
  timeout: number;
  headers?: Record<string, string>;
  allowedEnvVars?: string[];
}

export interface ClaudeSettings {
  hooks: Partial<Record<ClaudeHookEvent, Array<{ hooks: HookHandler[] }>>>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FORWARDER = fileURLToPath(new URL("./hook-forwarder.mjs", import.meta.url));
// Claude Code 2.1.33x skips HTTP hooks on these events ("HTTP hooks are not supported for SessionStart").
const COMMAND_ONLY_EVENTS: ReadonlySet<ClaudeHookEvent> = new Set(["SessionStart"]);

function timeoutFor(event: ClaudeHookEvent, permissionTimeoutSeconds: number): number {
  if (event === "PermissionRequest" || event === "PreToolUse") return permissionTimeoutSeconds;
  // SessionEnd runs while the CLI exits; it must not hold the exit up.
  if (event === "SessionEnd") return 5;
  return 30;
}

/** The settings (`--settings FILE`) that make every listed hook report to `hookUrl`. */
export function claudeHookSettings(options: Omit<ClaudeLaunchOptions, "sessionId" | "settingsDir">): ClaudeSettings {
  const {
    hookUrl,
    hookTransport = "http",
    events = CLAUDE_HOOK_EVENTS,
    permissionTimeoutSeconds = 600,
    nodeBinary = process.execPath,
  } = options;
  const url = new URL(hookUrl);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`hook URL must be http(s): ${hookUrl}`);
  const hooks: ClaudeSettings["hooks"] = {};
  for (const event of events) {
    const timeout = timeoutFor(event, permissionTimeoutSeconds);
    const handler: HookHandler =
      hookTransport === "command" || COMMAND_ONLY_EVENTS.has(event)
        ? { type: "command", command: shellJoin([nodeBinary, FORWARDER, url.href, String(timeout)]), timeout }
        : {
            type: "http",
            url: url.href,
            timeout,
            headers: { Authorization: `Bearer $${HOOK_SECRET_ENV}` },
            allowedEnvVars: [HOOK_SECRET_ENV],
          };
    hooks[event] = [{ hooks: [handler] }];
  }
  return { hooks };
}

/**
 * Prepares one Claude Code session: writes its settings file (0600) with the hooks, and returns the argv
 * and the environment to launch it with. Nothing under the user's ~/.claude is touched.
 */
export async function buildClaudeLaunch(options: ClaudeLaunchOptions): Promise<ClaudeLaunch> {
  const { sessionId, resume = false, hookSecret, settingsDir, permissionMode = "default", binary = "claude", extraArgs = [] } = options;
  if (!UUID.test(sessionId)) throw new TypeError(`Claude Code needs a UUID session id, got ${JSON.stringify(sessionId)}`);
  if (!CLAUDE_PERMISSION_MODES.includes(permissionMode)) throw new TypeError(`unknown permission mode: ${permissionMode}`);
  if (hookSecret === "") throw new TypeError("hook secret must not be empty");
  const settings = claudeHookSettings(options);
  await mkdir(settingsDir, { recursive: true, mode: 0o700 });
  const settingsPath = join(settingsDir, `claude-${sessionId}.settings.json`);
  await writeFile(settingsPath, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  await chmod(settingsPath, 0o600); // writeFile keeps the mode of a file that already existed
  return {
    command: [
      binary,
      resume ? "--resume" : "--session-id", sessionId,
      "--settings", settingsPath,
      "--permission-mode", permissionMode,
      ...extraArgs,
    ],
    env: { [HOOK_SECRET_ENV]: hookSecret },
    settingsPath,
    settings,
  };
}
