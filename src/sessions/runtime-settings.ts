import type { ClaudePermissionMode } from "../agents/claude/claude-launch.js";
import type { RuntimeSettings } from "../agents/runtimes/runtime-catalogue.js";
import type { DaemonConfig } from "../config/daemon-config.js";

/** Turns the config file's `runtimes` section (snake_case, as users write it) into the runtimes' options. */
export function toRuntimeSettings(config: DaemonConfig): RuntimeSettings {
  const runtimes = config.runtimes;
  const shell = runtimes.shell ?? {};
  return {
    "claude-code": {
      ...(runtimes["claude-code"]?.command ? { command: runtimes["claude-code"].command } : {}),
      permissionMode: config.claudePermissionMode as ClaudePermissionMode,
      trustProjectFolders: config.trustProjectFolders,
      permissionTimeoutSeconds: Math.max(1, Math.round(config.claudePermissionTimeout)),
    },
    codex: runtimes.codex?.command ? { command: runtimes.codex.command } : {},
    gemini: runtimes.gemini?.command ? { command: runtimes.gemini.command } : {},
    aider: runtimes.aider?.command ? { command: runtimes.aider.command } : {},
    shell: {
      ...(shell.command ? { command: shell.command } : {}),
      ...(shell.ready_pattern ? { readyPattern: shell.ready_pattern } : {}),
      ...(shell.busy_pattern ? { busyPattern: shell.busy_pattern } : {}),
      ...(shell.question_pattern ? { questionPattern: shell.question_pattern } : {}),
      ...(shell.error_pattern ? { errorPattern: shell.error_pattern } : {}),
    },
    agentEnv: config.agentEnv,
  };
}
