import { spawn } from "node:child_process";
import type { CliIo } from "./cli-io.js";

/** Runs a session's attach command in the user's terminal and resolves with its exit status. */
export function runAttachCommand(command: string, io: CliIo): Promise<number> {
  // Attaching from inside tmux would otherwise be refused as nesting; the agent's pane lives on
  // Commander's own tmux server, so nesting is what the user asks for.
  const env = { ...io.env };
  delete env.TMUX;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, { shell: true, stdio: [io.stdin, io.stdout, io.stderr], env });
    child.once("error", reject);
    child.once("exit", (code, signal) => resolvePromise(code ?? (signal ? 128 : 1)));
  });
}
