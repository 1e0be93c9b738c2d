// The vocabulary of an agent's turns: what the session layer observed (from tmux screens, pane exits and
// Claude Code hooks) and what it must do about it. `decideTurn` (decide-turn.ts) maps one to the other;
// nothing here knows about tmux, hooks or keys.

/** After this many agent exits while working on the same item, the item fails instead of being retried. */
export const MAX_ATTEMPTS = 3;

/** The turn the agent is on: a work item, or inbox messages (or a turn a person started in the pane). */
export type Turn = { kind: "work"; workId: string } | { kind: "messages"; messageIds?: readonly string[] };

/** A question of the agent that an event stands for, until it is answered, dismissed or goes away. */
export interface OpenQuestion {
  eventId: string;
  /**
   * `screen`: answered by keys in the pane; `hook`: answered as the reply to a waiting hook call; `pane`:
   * the hook call gave up (its timeout) and Claude Code shows its own dialog, answered by keys.
   */
  source: "screen" | "hook" | "pane";
  /** Identity of the question across redraws (the same text and options). */
  key: string;
  /** Asked while the agent was starting (a start-up dialog). */
  startup: boolean;
  options: string[];
  yesNo: boolean;
}

/** What the session layer remembers between observations; replaced, never mutated. */
export interface TurnMemory {
  turn: Turn | null;
  questions: readonly OpenQuestion[];
  /** The runtime reports through hooks (Claude Code): its screen is read only until it is ready. */
  hooks: boolean;
  runtimeName: string;
  stopping: boolean;
  exited: boolean;
  /**
   * The agent continued an earlier conversation and has not taken a turn since: an item it already
   * received there (it was stopped, or the daemon restarted, before the answer) is in it already.
   */
  resumed?: boolean;
  /**
   * An item whose text the conversation holds without an answer (its turn failed on a model error, and
   * Claude Code sends a failed prompt again in front of the next one): when it runs again, it is not typed twice.
   */
  heldWorkId?: string | null;
  /** A denial was typed into the agent's own dialog this turn (choosing "No" there may end the turn). */
  deniedInPane?: boolean;
}

/** What an agent that continued its conversation is told instead of an item's text it already has. */
export const CONTINUE_PROMPT = "Please carry on with my last request above: you were stopped before you could answer it.";

/** What the agent is told when an item whose turn failed on a model error runs again in the same conversation. */
export const RETRY_PROMPT = "Please try again: the model API failed before you could answer.";

export function initialTurnMemory(runtimeName: string, hooks: boolean, resumed = false): TurnMemory {
  return { turn: null, questions: [], hooks, runtimeName, stopping: false, exited: false, ...(resumed ? { resumed } : {}) };
}

/** A question seen on the agent's screen. */
export interface ScreenQuestion {
  key: string;
  question: string;
  options: string[];
  yesNo: boolean;
  /** A dialog the runtime recognised ("folder-trust", ...), or null. */
  dialog: string | null;
}

export type Observation =
  /** The agent shows its ready prompt while starting. */
  | { type: "ready" }
  /** The agent may take a turn now (it became idle, work or a message arrived, an event was closed). */
  | { type: "turn_possible" }
  /** A start-up dialog is on screen that no configuration answers: a human must. */
  | { type: "dialog_shown"; question: ScreenQuestion }
  /** A question appeared on screen during a turn. */
  | { type: "asked"; question: ScreenQuestion }
  /** The screen now shows `currentKey`'s question (or none): other on-screen questions were answered in the pane. */
  | { type: "questions_vanished"; currentKey: string | null }
  /** Claude Code asks permission for a tool through its hook. */
  | { type: "permission_requested"; toolName: string; summary: string; toolInput: Record<string, unknown>; suggestions: unknown }
  /** The hook call waiting on this question ended without an answer (its timeout, or the agent went away). */
  | { type: "question_abandoned"; eventId: string }
  /** An event was resolved or dismissed in Commander. */
  | { type: "answered"; eventId: string; status: "resolved" | "dismissed"; resolution: string }
  /** The turn ended with this message (the screen's output, or the hook's `last_assistant_message`). */
  | { type: "turn_ended"; message: string }
  /**
   * The turn failed (Claude Code's `StopFailure`): `category` is its `error` (`rate_limit`, `server_error`,
   * `authentication_failed`, ...), `text` the API's error text ("API Error: 529 Overloaded…") when known.
   */
  | { type: "turn_failed"; reason: string; category?: string; text?: string }
  /**
   * The turn ended without a `Stop` hook: the agent's idle prompt is back on screen (Esc in the pane while
   * the model thinks, Esc on a permission dialog, a plan rejected in the pane).
   */
  | { type: "turn_interrupted"; reason: string }
  /** The turn's work item was completed, failed or cancelled through the API while the agent worked on it. */
  | { type: "work_closed"; workId: string }
  /** A tool ran or was refused (PostToolUse, PostToolUseFailure, PermissionDenied): its dialog was answered. */
  | { type: "tool_ran"; toolName: string }
  /** A late answer to `eventId` could not be typed: the agent's own dialog was no longer on screen. */
  | { type: "pane_answer_undeliverable"; eventId: string }
  /** The agent shows that it retries the model API (`text`: the error and the countdown on its screen). */
  | { type: "model_retrying"; text: string }
  /** Error lines appeared on screen during a turn. */
  | { type: "error_shown"; lines: string[] }
  /** A person typed a prompt in the attached pane (Claude Code's `UserPromptSubmit`). */
  | { type: "prompt_submitted" }
  /** The agent continues under another conversation id (Claude Code's `SessionStart`, after `/clear`). */
  | { type: "conversation_changed"; agentSessionId: string }
  /** The agent notified something; `permissionDialog` when it shows its own permission dialog. */
  | { type: "notified"; permissionDialog: boolean }
  /** The agent ended its own session (Claude Code's `SessionEnd`). */
  | { type: "session_ended"; reason: string }
  /** Someone asked the agent to stop. */
  | { type: "stop_requested" }
  /** The stop was carried out (the window is closed); `end` is how the session ends. */
  | { type: "stopped"; reason: string; end: "stopped" | "error"; /** The stopped session's state_reason. */ stateReason?: string }
  /** The agent's program ended on its own. */
  | {
      type: "exited";
      status: string;
      exitStatus: number | null;
      exitSignal: number | null;
      /** The screen's text (escape sequences removed). */
      screen: string;
      /** The dead pane is still there to inspect. */
      paneKept: boolean;
    };

export interface HookDecision {
  behavior: "allow" | "deny";
  message: string;
  /** The tool input to run with (Claude Code's `updatedInput`: the answers of a question, an approved plan). */
  updatedInput?: Record<string, unknown>;
  /** Permission updates Claude Code applies (`updatedPermissions`: rules of "allow always", a mode). */
  updatedPermissions?: unknown[];
}

export type Effect =
  /** Type this text into the agent as a prompt (the runtime knows how: paste, then Enter). */
  | { type: "type_prompt"; text: string }
  /** Pick this option of the on-screen question `eventId`. */
  | { type: "answer_screen"; eventId: string; optionIndex: number; startup: boolean }
  /** Reply to the hook call waiting on `eventId`; null lets the agent show its own dialog. */
  | { type: "answer_hook"; eventId: string; decision: HookDecision | null }
  /** Wait for the answer to a question raised as `eventId`. */
  | { type: "await_answer"; eventId: string }
  /** The question `eventId` is over: forget what was kept to answer it. */
  | { type: "forget_question"; eventId: string }
  /** What the agent printed so far no longer belongs to the turn's result. */
  | { type: "reset_output" }
  /** Answer the agent's own permission dialog on screen (its hook call gave up): allow or not. */
  | { type: "answer_pane_dialog"; eventId: string; allow: boolean }
  /** Interrupt the agent's turn if it is still running (Claude Code: Escape while busy). */
  | { type: "interrupt_agent" }
  /** Ask the agent to exit on its own, then close its window. */
  | { type: "exit_agent" }
  /** Hook runtimes say everything through hooks once ready: stop reading the screen. */
  | { type: "stop_reading_screen" }
  /** Tell the supervisor: the agent is ready / waits for a human before it can start / exited. */
  | { type: "report_ready" }
  | { type: "report_startup_question" }
  | { type: "report_exit"; reason: string; paneKept: boolean };

export interface TurnDecision {
  memory: TurnMemory;
  effects: Effect[];
}
