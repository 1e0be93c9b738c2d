import { buildClaudeLaunch, type ClaudeLaunchOptions, type ClaudePermissionMode } from "../claude/claude-launch.js";
import { claudeConversationExists } from "../claude/claude-conversations.js";
import { readClaudeTurnScreen } from "../claude/read-claude-turn-screen.js";
import { claudeStartupDialogKeys, detectClaudeStartupDialog } from "../claude/startup-dialogs.js";
import type { ScreenRules } from "../screen/screen-detector.js";
import { optionKeys, pasteThenEnter, type AgentRuntime } from "./agent-runtime.js";

export interface ClaudeCodeRuntimeOptions {
  /** Binary and extra arguments, e.g. ["/opt/claude/bin/claude", "--model", "opus"]. */
  command?: readonly string[];
  permissionMode?: ClaudePermissionMode;
  hookTransport?: ClaudeLaunchOptions["hookTransport"];
  permissionTimeoutSeconds?: number;
  /** Answer the folder-trust dialog with "trust" instead of asking (config `trust_project_folders`). */
  trustProjectFolders?: boolean;
  /** Where Claude Code keeps its conversations (`~/.claude`'s parent); the user's home by default. */
  home?: string;
}

// Claude Code 2.1.33x, as rendered in tmux: the "❯" input line between two rules, a status line that
// says "esc to interrupt" while a turn runs, numbered permission dialogs that take the digit alone.
export const CLAUDE_CODE_SCREEN: ScreenRules = {
  ready: [/^❯(?:\s|$)/m],
  busy: [/esc to interrupt/i],
  question: [/\?\s*$/],
  error: [/^\s*(?:●\s*)?API Error:/, /Invalid API key/, /Unable to connect to Anthropic services/],
  choiceKeys: (n) => [String(n)],
  dialogs: [detectClaudeStartupDialog],
};

export function createClaudeCodeRuntime(options: ClaudeCodeRuntimeOptions = {}): AgentRuntime {
  const { command = ["claude"], permissionMode = "default", hookTransport, permissionTimeoutSeconds, trustProjectFolders = false, home } = options;
  if (command.length === 0) throw new TypeError("runtime claude-code needs a command");
  return {
    name: "claude-code",
    displayName: "Claude Code",
    command,
    // Claude Code's documented settings: its service and key, its own switches (DISABLE_TELEMETRY, ...).
    passEnv: ["ANTHROPIC_*", "CLAUDE_*", "DISABLE_*", "MCP_*", "BASH_*", "MAX_THINKING_TOKENS", "MAX_MCP_OUTPUT_TOKENS"],
    reportsThroughHooks: true,
    screen: CLAUDE_CODE_SCREEN,
    async prepareLaunch(context) {
      const launch = await buildClaudeLaunch({
        sessionId: context.agentSessionId,
        resume: context.resume ?? false,
        hookUrl: context.hookUrl,
        hookSecret: context.hookSecret,
        settingsDir: context.settingsDir,
        binary: command[0],
        extraArgs: context.model ? [...command.slice(1), "--model", context.model] : command.slice(1),
        permissionMode: (context.permissionMode as ClaudePermissionMode | undefined) ?? permissionMode,
        ...(hookTransport ? { hookTransport } : {}),
        ...(context.permissionTimeoutSeconds || permissionTimeoutSeconds
          ? { permissionTimeoutSeconds: context.permissionTimeoutSeconds || permissionTimeoutSeconds }
          : {}),
      });
      return { command: launch.command, env: launch.env };
    },
    submitPrompt: pasteThenEnter,
    // After Esc, Claude Code puts the interrupted prompt back in its input line, and text typed next is
    // appended to it. Ctrl-U empties the line (verified with 2.1.332: the model then receives only the new
    // text); on an empty line it does nothing.
    clearInput: [{ keys: ["C-u"] }],
    interruptKeys: ["Escape"],
    readTurnScreen: (screen) => readClaudeTurnScreen(screen, CLAUDE_CODE_SCREEN),
    answer: optionKeys,
    exitInputs: pasteThenEnter("/exit"),
    // A conversation Claude Code already had (before a stop or a daemon restart) is continued, not restarted.
    canResume: (agentSessionId) => claudeConversationExists(agentSessionId, home),
    autoAnswer: (prompt) => (prompt.dialog === "folder-trust" && trustProjectFolders ? claudeStartupDialogKeys(prompt, true) : undefined),
  };
}
