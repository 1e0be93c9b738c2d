import type { AgentRuntime, RuntimeName } from "./agent-runtime.js";
import { createAiderRuntime } from "./aider.js";
import { createClaudeCodeRuntime, type ClaudeCodeRuntimeOptions } from "./claude-code.js";
import { createCodexRuntime } from "./codex.js";
import { createGeminiRuntime } from "./gemini.js";
import { createShellRuntime, type ShellRuntimeOptions } from "./shell.js";

/** The runtimes section of the daemon's config: where each binary is and how the shell runtime looks. */
export interface RuntimeSettings {
  "claude-code"?: ClaudeCodeRuntimeOptions;
  codex?: { command?: readonly string[] };
  gemini?: { command?: readonly string[] };
  aider?: { command?: readonly string[] };
  shell?: ShellRuntimeOptions;
}

export class UnknownRuntimeError extends Error {
  override readonly name = "UnknownRuntimeError";
  constructor(readonly runtime: string) {
    super(`unknown runtime "${runtime}" (known: claude-code, codex, gemini, aider, shell)`);
  }
}

export interface RuntimeCatalogue {
  get(name: string): AgentRuntime;
  has(name: string): name is RuntimeName;
  list(): AgentRuntime[];
}

export function createRuntimeCatalogue(settings: RuntimeSettings = {}): RuntimeCatalogue {
  const runtimes = new Map<string, AgentRuntime>(
    [
      createClaudeCodeRuntime(settings["claude-code"]),
      createCodexRuntime(settings.codex),
      createGeminiRuntime(settings.gemini),
      createAiderRuntime(settings.aider),
      createShellRuntime(settings.shell),
    ].map((runtime) => [runtime.name, runtime]),
  );
  return {
    get(name) {
      const runtime = runtimes.get(name);
      if (!runtime) throw new UnknownRuntimeError(name);
      return runtime;
    },
    has: (name): name is RuntimeName => runtimes.has(name),
    list: () => [...runtimes.values()],
  };
}
