/** A mistake in how the command was called, found after argument parsing; exits with code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The user gave up on an interactive prompt (Ctrl+C or end of input). */
export class PromptCancelledError extends Error {
  override name = "PromptCancelledError";
}

/** A command that reached the daemon but cannot do what was asked; exits with code 1. */
export class CommandFailedError extends Error {
  override name = "CommandFailedError";
}
