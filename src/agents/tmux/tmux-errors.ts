/** tmux is not on PATH (or `tmuxBinary` points nowhere). */
export class TmuxMissingError extends Error {
  override readonly name = "TmuxMissingError";
  constructor(readonly binary: string) {
    super(
      `tmux is not installed: install it (apt-get install tmux) or point the daemon at its binary (tried "${binary}")`,
    );
  }
}

/** A tmux command exited non-zero. `stderr` is tmux's own message ("can't find pane: %7", ...). */
export class TmuxCommandError extends Error {
  override readonly name = "TmuxCommandError";
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`tmux ${args[0] ?? ""} failed: ${stderr.trim() || `exit code ${exitCode}`}`);
  }

  /** The target (pane, window, session) does not exist, or the whole server is gone. */
  get isMissingTarget(): boolean {
    return /can't find|no server running|error connecting to|no such file or directory|session not found/i.test(
      this.stderr,
    );
  }
}

/** A key passed to `sendKeys` is not a plain tmux key name; literal text must go through `sendText`. */
export class InvalidKeyError extends Error {
  override readonly name = "InvalidKeyError";
  constructor(readonly key: string) {
    super(`not a tmux key name: ${JSON.stringify(key)} (send text with sendText)`);
  }
}
