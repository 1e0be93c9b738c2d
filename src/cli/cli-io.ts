import type { Readable, Writable } from "node:stream";

/** A writable the CLI prints to; terminals also report their width. */
export type CliWritable = Writable & { isTTY?: boolean; columns?: number };

/** A readable the CLI prompts from; terminals also support raw mode. */
export type CliReadable = Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

/** Everything the CLI touches outside itself, so tests can run it in memory. */
export interface CliIo {
  stdout: CliWritable;
  stderr: CliWritable;
  stdin: CliReadable;
  env: Record<string, string | undefined>;
  /** Directory that relative paths given on the command line are resolved against. */
  cwd?: string;
  /** Aborting it ends long-running commands (`watch`) cleanly, as Ctrl+C would. */
  signal?: AbortSignal;
  /** The current time, for relative times ("3m ago"). */
  now?: () => Date;
}

/** The io of the running process. */
export function processCliIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    // Made on first use: Node opens stdin when it is first read (1–1.5 ms), and most commands never do.
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    cwd: process.cwd(),
  };
}
