import type { TmuxDriver } from "../agents/tmux/tmux-driver.js";
import type { CommanderCore } from "../app/commander-core.js";
import { CommanderError } from "../domain/commander-error.js";
import type { SessionController } from "./session-controller.js";

/** Output a slow watcher of a session's terminal may lag behind before it is cut off. */
const MAX_BUFFERED_OUTPUT_BYTES = 1024 * 1024;

export interface StreamAgentOutputOptions {
  core: CommanderCore;
  driver: TmuxDriver;
  controller: SessionController;
  projectId: string;
  signal: AbortSignal;
  /** False once the controller no longer runs the project's agent. */
  isCurrent(): boolean;
}

/** A session's terminal: a snapshot first, then its output as it comes, until the agent stops or the caller leaves. */
export async function* streamAgentOutput({
  core,
  driver,
  controller,
  projectId,
  signal,
  isCurrent,
}: StreamAgentOutputOptions): AsyncGenerator<{ snapshot: boolean; data: string }> {
  const queue: string[] = [];
  let queuedBytes = 0;
  let wake: (() => void) | null = null;
  const unsubscribe = controller.onOutputListener((data) => {
    queue.push(data);
    queuedBytes += data.length;
    wake?.();
  });
  // The session stopping or exiting ends the stream, even if the agent writes nothing more.
  const unsubscribeChanges = core.changes.subscribe((change) => {
    if (change.projectId === projectId && change.kind === "session_changed") wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);
  try {
    yield { snapshot: true, data: await driver.capture(controller.paneId, { escapes: true }) };
    while (!signal.aborted && controller.isLive && isCurrent()) {
      if (queuedBytes > MAX_BUFFERED_OUTPUT_BYTES) {
        throw new CommanderError(
          "SUBSCRIBER_TOO_SLOW",
          `the output watcher fell more than ${MAX_BUFFERED_OUTPUT_BYTES} bytes behind; open the stream again for a fresh snapshot`,
          { project_id: projectId },
        );
      }
      if (queue.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        continue;
      }
      const data = queue.splice(0).join("");
      queuedBytes = 0;
      yield { snapshot: false, data };
    }
  } finally {
    unsubscribe();
    unsubscribeChanges();
    signal.removeEventListener("abort", onAbort);
  }
}
