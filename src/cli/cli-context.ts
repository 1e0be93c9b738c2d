import type { Command } from "commander";
import type { CliIo } from "./cli-io.js";
import { createApiClients, type ApiClients } from "./create-api-clients.js";
import { createOutput, type Output } from "./create-output.js";
import { resolveDaemonTarget, type DaemonTarget, type DaemonTargetFlags } from "./resolve-daemon-target.js";

/** What every command's action needs: where to print, the clock, and the daemon's clients. */
export interface CliContext {
  io: CliIo;
  readonly output: Output;
  now(): Date;
  cwd: string;
  /** Chooses the daemon from the global options; run before any command's action. */
  locateDaemon(): Promise<void>;
  /** Clients for the daemon chosen by the global options. */
  clients(): ApiClients;
  /** The daemon URL once a command has chosen one, for error messages. */
  readonly daemonUrl: string | undefined;
}

interface GlobalOptions extends DaemonTargetFlags {
  color?: boolean;
}

/** A context whose output and clients are made on first use, after the global options are parsed. */
export function createCliContext(io: CliIo, program: Command): CliContext {
  let output: Output | undefined;
  let clients: ApiClients | undefined;
  let located: { target: DaemonTarget } | { error: unknown } | undefined;
  const cwd = io.cwd ?? process.cwd();
  return {
    io,
    cwd,
    now: io.now ?? (() => new Date()),
    get output() {
      output ??= createOutput(io, { color: program.opts<GlobalOptions>().color });
      return output;
    },
    async locateDaemon() {
      try {
        located = { target: await resolveDaemonTarget(program.opts<GlobalOptions>(), io.env, cwd) };
      } catch (error) {
        // Reported by the first command that needs the daemon; `commander daemon` does not.
        located = { error };
      }
    },
    clients() {
      if (located === undefined) throw new Error("clients() before locateDaemon()");
      if ("error" in located) throw located.error;
      clients ??= createApiClients(located.target);
      return clients;
    },
    get daemonUrl() {
      return clients?.url;
    },
  };
}
