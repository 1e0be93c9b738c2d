import type { ScreenPrompt } from "../screen/screen-prompt.js";
import type { ScreenRules } from "../screen/screen-detector.js";
import type { TmuxDriver } from "../tmux/tmux-driver.js";

export type RuntimeName = "claude-code" | "codex" | "gemini" | "aider" | "shell";

/** One step of typing into an agent's pane: literal text (pasted) or named keys. */
export type AgentInput = { text: string } | { keys: string[] };

/** What the daemon knows when it launches an agent. */
export interface LaunchContext {
  /** Id for the agent's own session (a UUID; Claude Code's `--session-id`). */
  agentSessionId: string;
  /** The agent ran this session before: continue its conversation where the runtime can. */
  resume?: boolean;
  /** Where the agent's hooks post (`/api/hooks/{session_id}`), and the secret they must carry. */
  hookUrl: string;
  hookSecret: string;
  /** A private directory for per-session files (Claude's `--settings` file). */
  settingsDir: string;
  /** The project's permission mode (Claude Code's `--permission-mode`), overriding the runtime's default. */
  permissionMode?: string;
  /** The project's model (Claude Code's `--model`). */
  model?: string;
  /** The project's permission-hook timeout in seconds, overriding the runtime's default. */
  permissionTimeoutSeconds?: number;
}

export interface AgentLaunch {
  command: string[];
  /** The agent's whole environment once the catalogue built it (allow-listed variables, then the runtime's own). */
  env: Record<string, string>;
}

export interface AgentRuntime {
  readonly name: RuntimeName;
  readonly displayName: string;
  /** The configured command line (from the daemon's config, never from a request). */
  readonly command: readonly string[];
  /** Variables (or prefixes ending in `*`) of the daemon's environment this runtime needs, beyond the basics. */
  readonly passEnv: readonly string[];
  /** Whether the agent reports its state through hooks; otherwise the screen is the only source. */
  readonly reportsThroughHooks: boolean;
  readonly screen: ScreenRules;
  /** The command and environment for one agent session. */
  prepareLaunch(context: LaunchContext): Promise<AgentLaunch>;
  /** Inputs that submit a prompt: the text pasted literally, then Enter. */
  submitPrompt(text: string): AgentInput[];
  /** Inputs that pick `prompt.options[optionIndex]`. */
  answer(prompt: ScreenPrompt, optionIndex: number): AgentInput[];
  /** Inputs that empty the agent's input line before a prompt is typed (what an interruption left there). */
  readonly clearInput?: AgentInput[];
  /** Keys that interrupt a running turn (Claude Code: Escape). */
  readonly interruptKeys?: string[];
  /** What a hook runtime's screen says during a turn: idle again without a `Stop` hook, retrying the model API. */
  readTurnScreen?(screen: string): TurnScreen;
  /** Inputs that ask the agent to exit on its own (before anyone kills the window). */
  readonly exitInputs: AgentInput[];
  /** Whether a conversation the agent had under this id can be continued (`resume` at the next launch). */
  canResume(agentSessionId: string): Promise<boolean>;
  /** Keys that answer a start-up dialog without asking anyone (per configuration), or undefined to ask. */
  autoAnswer(prompt: ScreenPrompt): string[] | undefined;
}

export interface TurnScreen {
  /** The ready prompt is back, nothing runs and no dialog is open. */
  idle: boolean;
  /** The agent says the turn was interrupted ("Interrupted · What should Claude do instead?"). */
  interrupted: boolean;
  /** The model API error and retry countdown on screen, or null. */
  retrying: string | null;
  /** A dialog (numbered options) on screen, or undefined. */
  dialog?: ScreenPrompt;
}

export async function sendAgentInput(driver: TmuxDriver, paneId: string, inputs: readonly AgentInput[]): Promise<void> {
  for (const input of inputs) {
    if ("text" in input) await driver.sendText(paneId, input.text);
    else await driver.sendKeys(paneId, input.keys);
  }
}

export function pasteThenEnter(text: string): AgentInput[] {
  return [{ text }, { keys: ["Enter"] }];
}

export function optionKeys(prompt: ScreenPrompt, optionIndex: number): AgentInput[] {
  const option = prompt.options[optionIndex];
  if (!option) throw new RangeError(`prompt has no option ${optionIndex} (it has ${prompt.options.length})`);
  return [{ keys: option.keys }];
}

/** Builds a runtime that launches its command as configured and is read from the screen only. */
export function screenOnlyRuntime(spec: {
  name: RuntimeName;
  displayName: string;
  command: readonly string[];
  passEnv?: readonly string[];
  screen: ScreenRules;
  exitInputs: AgentInput[];
}): AgentRuntime {
  if (spec.command.length === 0) throw new TypeError(`runtime ${spec.name} needs a command`);
  return {
    ...spec,
    passEnv: spec.passEnv ?? [],
    reportsThroughHooks: false,
    prepareLaunch: async () => ({ command: [...spec.command], env: {} }),
    submitPrompt: pasteThenEnter,
    answer: optionKeys,
    canResume: async () => false,
    autoAnswer: () => undefined,
  };
}
