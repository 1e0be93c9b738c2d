import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError, loadConfig } from "../config/load-config.js";
import { UsageError } from "./usage-error.js";

export const defaultDaemonUrl = "http://127.0.0.1:8765";

/** Where the daemon is and how to authenticate to it. */
export interface DaemonTarget {
  url: string;
  token: string | undefined;
}

/** The global options that choose the daemon. */
export interface DaemonTargetFlags {
  url?: string;
  token?: string;
  config?: string;
  stateDir?: string;
}

/**
 * Chooses the daemon: `--url`, else COMMANDER_URL, else the address of the daemon holding the state
 * directory's lock (it answers it on its lock socket, `daemon.sock`), else the host and port the daemon would listen on with the
 * same config file and environment (`--config`/COMMANDER_CONFIG, COMMANDER_HOST, COMMANDER_PORT; default
 * 127.0.0.1:8765). The token comes from `--token`, else the daemon's own token
 * setting (COMMANDER_TOKEN or the config file), else a `token` file in its state directory.
 */
export async function resolveDaemonTarget(flags: DaemonTargetFlags, env: Record<string, string | undefined>, cwd: string): Promise<DaemonTarget> {
  const config = loadDaemonConfig(flags, env, cwd);
  const url =
    flags.url ??
    nonEmpty(env.COMMANDER_URL) ??
    (await runningDaemonUrl(config.stateDir)) ??
    `http://${reachableHost(config.host)}:${config.port}`;
  validateUrl(url);
  const token = flags.token ?? nonEmpty(config.token) ?? readTokenFile(config.stateDir);
  return { url: url.replace(/\/+$/, ""), token };
}

function loadDaemonConfig(flags: DaemonTargetFlags, env: Record<string, string | undefined>, cwd: string) {
  try {
    return loadConfig(
      {
        config: flags.config === undefined ? undefined : resolve(cwd, flags.config),
        stateDir: flags.stateDir === undefined ? undefined : resolve(cwd, flags.stateDir),
      },
      env,
    );
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

// A daemon listening on every interface is reached through loopback; IPv6 literals need brackets.
function reachableHost(host: string): string {
  if (host === "" || host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

// The daemon holding the state directory's lock socket answers where it listens, which also covers a
// daemon started with `--port 0` or a `--port` flag the CLI cannot know. Only a connection that succeeds
// counts: a lock file left by a crash names a pid that may since belong to another process.
async function runningDaemonUrl(stateDir: string): Promise<string | undefined> {
  // Loaded only here: a command given the daemon's URL does without it (and node:crypto).
  const { findLockHolder } = await import("../store/state-lock.js");
  const holder = await findLockHolder(stateDir);
  if (holder === null || typeof holder.host !== "string" || typeof holder.port !== "number") return undefined;
  return `http://${reachableHost(holder.host)}:${holder.port}`;
}

function readTokenFile(stateDir: string): string | undefined {
  try {
    return nonEmpty(readFileSync(join(stateDir, "token"), "utf8").trim());
  } catch {
    // No token file, or not readable by this user: the daemon may not require one.
    return undefined;
  }
}

function validateUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`invalid daemon URL "${url}" (expected for example ${defaultDaemonUrl})`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new UsageError(`invalid daemon URL "${url}": only http and https are supported`);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
