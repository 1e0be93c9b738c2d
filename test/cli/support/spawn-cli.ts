import { spawn, type ChildProcess } from "node:child_process";
import { cleanEnv, commanderBin, repoRoot } from "./cli-env.js";
import { waitFor } from "../../support/wait-for.js";

/** A long-running CLI subprocess (such as `watch`) whose output the test reads as it comes. */
export interface RunningCli {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Waits until stdout has a line matching `pattern` and returns it. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Waits until stderr matches `pattern`. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends a signal and resolves with the exit code (or the signal's name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): RunningCli {
  const child = spawn(process.execPath, [commanderBin, ...args], { cwd: repoRoot, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const withOutput = <T>(promise: Promise<T>) =>
    promise.catch((reason: unknown) => {
      throw new Error(`${(reason as Error).message} from commander ${args.join(" ")}\nstdout:\n${out}\nstderr:\n${err}`);
    });
  const exit = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")));
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    waitForLine: (pattern, timeoutMs = 10_000) =>
      withOutput(waitFor(() => out.split("\n").find((line) => pattern.test(line)), { timeoutMs, what: `a line matching ${pattern}` })),
    waitForStderr: async (pattern, timeoutMs = 10_000) => {
      await withOutput(waitFor(() => pattern.test(err), { timeoutMs, what: `stderr matching ${pattern}` }));
    },
    async stop(signal = "SIGINT") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
  };
}
