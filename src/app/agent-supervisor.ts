import type { EventRecord, SessionRecord } from "../domain/records.js";

/** What the API needs from the part that runs agents in tmux. */
export interface AgentSupervisor {
  /** Launches the project's agent and resolves once it is ready (or throws why it could not start). */
  start(projectId: string): Promise<SessionRecord>;
  /** Stops the project's agent gracefully, then forcibly; the record stays. */
  stop(projectId: string): Promise<SessionRecord>;
  /** Stops the agent if it runs (used before a session or project is deleted). */
  release(projectId: string): Promise<void>;
  /** Delivers a resolved event's answer to the agent waiting on it; true when it reached one. */
  deliverResolution(event: EventRecord): Promise<boolean>;
  /** Answers a hook call of an agent session; throws UNAUTHENTICATED for a wrong secret. */
  handleHook(
    sessionId: string,
    authorization: string,
    payload: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>>;
  /** The shell command that attaches a terminal to the session's pane. */
  attachCommand(session: SessionRecord): string;
  /** Streams a session's terminal: a snapshot first, then output. */
  watchOutput(projectId: string, signal: AbortSignal): AsyncIterable<{ snapshot: boolean; data: string }>;
  /** Called once the API listens: hooks can reach it, and queued work from before a restart resumes. */
  onListening(baseUrl: string): void;
  /** Stops every agent (or leaves them running for re-adoption, by configuration). */
  shutdown(): Promise<void>;
}
