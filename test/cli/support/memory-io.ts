import { PassThrough } from "node:stream";
import type { CliIo } from "../../../src/cli/cli-io.js";

export interface MemoryIo extends CliIo {
  stdin: PassThrough;
  stdoutText(): string;
  stderrText(): string;
}

/** An io that records what the CLI prints, as if stdout and stderr were pipes (no terminal). */
export function memoryIo(env: Record<string, string | undefined> = {}, extra: Partial<CliIo> = {}): MemoryIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on("data", (chunk: Buffer) => out.push(chunk.toString()));
  stderr.on("data", (chunk: Buffer) => err.push(chunk.toString()));
  const stdin = new PassThrough();
  return {
    stdout,
    stderr,
    env,
    cwd: "/tmp",
    now: () => new Date("2026-01-01T12:00:00Z"),
    ...extra,
    stdin,
    stdoutText: () => out.join(""),
    stderrText: () => err.join(""),
  };
}
