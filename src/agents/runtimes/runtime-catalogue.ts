import { BASE_AGENT_ENV, pickEnvironment } from "../agent-environment.js";
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
  /** More variables (or prefixes ending in `*`) of the daemon's environment that every agent gets. */
  agentEnv?: readonly string[];
  /** The daemon's environment, which agents' environments are picked from (default: process.env). */
  daemonEnv?: NodeJS.ProcessEnv;
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
    ].map((runtime) => [runtime.name, withAllowListedEnvironment(runtime, settings)]),
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

/**
 * Agents never inherit the daemon's environment (its API token, its other secrets): each gets the basics,
 * what its runtime needs, and what the config's `agent_env` names, then the variables of its own launch.
 */
function withAllowListedEnvironment(runtime: AgentRuntime, settings: RuntimeSettings): AgentRuntime {
  const patterns = [...BASE_AGENT_ENV, ...runtime.passEnv, ...(settings.agentEnv ?? [])];
  return {
    ...runtime,
    async prepareLaunch(context) {
      const plan = await runtime.prepareLaunch(context);
      return { command: plan.command, env: { ...pickEnvironment(settings.daemonEnv ?? process.env, patterns), ...plan.env } };
    },
  };
}
