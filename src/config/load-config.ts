import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { agentEnvPatternProblem } from "../agents/agent-environment.js";
import { DEFAULT_CONFIG, DEFAULT_STATE_DIR, type DaemonConfig } from "./daemon-config.js";
import { parseConfigTargets, parseNotificationSettings } from "../notify/notification-settings.js";
import { parsePrices } from "./price-settings.js";
import { remoteTokenProblem } from "./remote-token-rule.js";

export interface DaemonFlags {
  host?: string;
  port?: number | string;
  logLevel?: string;
  logFormat?: string;
  stateDir?: string;
  config?: string;
}

export class ConfigError extends Error {}

type Key = keyof DaemonConfig;
type Kind =
  | "string"
  | "port"
  | "level"
  | "format"
  | "path"
  | "int"
  | "seconds"
  | "bool"
  | "list"
  | "object"
  | "targets"
  | "notification_options";

// snake_case name (config file key, `COMMANDER_` + upper case for the environment) -> field and kind.
const FIELDS: Record<string, { key: Key; kind: Kind }> = {
  host: { key: "host", kind: "string" },
  port: { key: "port", kind: "port" },
  log_level: { key: "logLevel", kind: "level" },
  log_format: { key: "logFormat", kind: "format" },
  state_dir: { key: "stateDir", kind: "path" },
  max_projects: { key: "maxProjects", kind: "int" },
  poll_interval: { key: "pollInterval", kind: "seconds" },
  save_interval: { key: "saveInterval", kind: "seconds" },
  token: { key: "token", kind: "string" },
  require_token: { key: "requireToken", kind: "bool" },
  allowed_project_roots: { key: "allowedProjectRoots", kind: "list" },
  allowed_hosts: { key: "allowedHosts", kind: "list" },
  allowed_origins: { key: "allowedOrigins", kind: "list" },
  default_runtime: { key: "defaultRuntime", kind: "string" },
  runtimes: { key: "runtimes", kind: "object" },
  agent_env: { key: "agentEnv", kind: "list" },
  claude_permission_mode: { key: "claudePermissionMode", kind: "string" },
  trust_project_folders: { key: "trustProjectFolders", kind: "bool" },
  claude_permission_timeout: { key: "claudePermissionTimeout", kind: "seconds" },
  max_queued_per_project: { key: "maxQueuedPerProject", kind: "int" },
  max_content_bytes: { key: "maxContentBytes", kind: "int" },
  max_body_bytes: { key: "maxBodyBytes", kind: "int" },
  max_streams_per_client: { key: "maxStreamsPerClient", kind: "int" },
  max_connections: { key: "maxConnections", kind: "int" },
  max_connections_per_client: { key: "maxConnectionsPerClient", kind: "int" },
  idle_timeout: { key: "idleTimeout", kind: "seconds" },
  headers_timeout: { key: "headersTimeout", kind: "seconds" },
  request_timeout: { key: "requestTimeout", kind: "seconds" },
  max_buffered_changes: { key: "maxBufferedChanges", kind: "int" },
  history_max_finished_work: { key: "historyMaxFinishedWork", kind: "int" },
  history_max_resolved_events: { key: "historyMaxResolvedEvents", kind: "int" },
  history_max_changes: { key: "historyMaxChanges", kind: "int" },
  history_max_age_days: { key: "historyMaxAgeDays", kind: "seconds" },
  start_timeout: { key: "startTimeout", kind: "seconds" },
  shutdown_timeout: { key: "shutdownTimeout", kind: "seconds" },
  keep_agents_on_shutdown: { key: "keepAgentsOnShutdown", kind: "bool" },
  notifications: { key: "notifications", kind: "targets" },
  notification_options: { key: "notificationOptions", kind: "notification_options" },
  prices: { key: "prices", kind: "object" },
};

const LEVELS: Record<string, DaemonConfig["logLevel"]> = {
  debug: "debug",
  info: "info",
  warn: "warn",
  warning: "warn",
  error: "error",
  critical: "fatal",
  fatal: "fatal",
};

/**
 * Builds the configuration. Precedence, lowest first: built-in defaults, the config file (`--config`,
 * else `COMMANDER_CONFIG`, else `<default state dir>/config.json` if it exists), environment variables
 * (`COMMANDER_PORT`, ...), command-line flags.
 */
export function loadConfig(flags: DaemonFlags, env: NodeJS.ProcessEnv = process.env): DaemonConfig {
  const config: DaemonConfig = { ...DEFAULT_CONFIG };
  // Where each setting came from, for messages about combinations of settings.
  const sources = new Map<Key, string>();
  const assign = (field: { key: Key; kind: Kind }, raw: unknown, source: string) => {
    assignValue(config, field, raw, source);
    sources.set(field.key, source);
  };
  const explicitFile = flags.config ?? env.COMMANDER_CONFIG;
  const file = explicitFile ?? join(DEFAULT_STATE_DIR, "config.json");
  const fileValues = readConfigFile(file, explicitFile !== undefined);
  for (const [name, value] of Object.entries(fileValues)) {
    const field = FIELDS[name];
    if (!field) throw new ConfigError(`${file}: unknown setting "${name}" (known: ${Object.keys(FIELDS).join(", ")})`);
    assign(field, value, `${file}: ${name}`);
  }
  for (const [name, field] of Object.entries(FIELDS)) {
    const value = env[`COMMANDER_${name.toUpperCase()}`];
    if (value !== undefined && value !== "") assign(field, value, `COMMANDER_${name.toUpperCase()}`);
  }
  const flagValues: Array<[string, unknown, string]> = [
    ["host", flags.host, "--host"],
    ["port", flags.port, "--port"],
    ["log_level", flags.logLevel, "--log-level"],
    ["log_format", flags.logFormat, "--log-format"],
    ["state_dir", flags.stateDir, "--state-dir"],
  ];
  for (const [name, value, flag] of flagValues) if (value !== undefined) assign(FIELDS[name], value, flag);
  const shortToken = remoteTokenProblem(config.host, config.token, sources.get("token") ?? "token", sources.get("host") ?? "the default host");
  if (shortToken !== undefined) throw new ConfigError(shortToken);
  return config;
}

function readConfigFile(path: string, required: boolean): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function assignValue(config: DaemonConfig, field: { key: Key; kind: Kind }, raw: unknown, source: string): void {
  const value = parseValue(field.kind, raw, source);
  if (field.key === "agentEnv") {
    const problem = (value as string[]).map(agentEnvPatternProblem).find((found) => found !== undefined);
    if (problem) throw new ConfigError(`${source}: ${problem}`);
  }
  if (field.key === "prices") {
    const parsed = parsePrices(value as Record<string, unknown>);
    if ("problem" in parsed) throw new ConfigError(`${source}: ${parsed.problem}`);
  }
  (config as unknown as Record<string, unknown>)[field.key] = value;
}

function parseValue(kind: Kind, raw: unknown, source: string): unknown {
  const fail = (problem: string) => new ConfigError(`${source}: ${problem} (got ${JSON.stringify(raw)})`);
  switch (kind) {
    case "string":
      if (typeof raw !== "string") throw fail("must be a string");
      return raw;
    case "format":
      if (raw !== "auto" && raw !== "json" && raw !== "pretty") throw fail("must be auto, json or pretty");
      return raw;
    case "path": {
      if (typeof raw !== "string" || raw === "") throw fail("must be a path");
      const expanded = raw === "~" ? homedir() : raw.startsWith("~/") ? join(homedir(), raw.slice(2)) : raw;
      return isAbsolute(expanded) ? expanded : resolve(expanded);
    }
    case "port": {
      const port = Number(raw);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw fail("must be a port number from 0 to 65535");
      return port;
    }
    case "level": {
      const level = LEVELS[String(raw).toLowerCase()];
      if (!level) throw fail(`must be one of ${Object.keys(LEVELS).join(", ")}`);
      return level;
    }
    case "int": {
      const value = Number(raw);
      if (!Number.isInteger(value) || value < 1) throw fail("must be a whole number of at least 1");
      return value;
    }
    case "seconds": {
      const value = Number(raw);
      if (!Number.isFinite(value) || value <= 0) throw fail("must be a positive number");
      return value;
    }
    case "bool":
      if (typeof raw === "boolean") return raw;
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      throw fail("must be true or false");
    case "list":
      if (Array.isArray(raw) && raw.every((item) => typeof item === "string")) return raw;
      if (typeof raw === "string") return raw.split(",").map((item) => item.trim()).filter((item) => item !== "");
      throw fail("must be a list of strings");
    case "object":
      if (typeof raw === "string") {
        try {
          return parseValue("object", JSON.parse(raw), source);
        } catch (error) {
          if (error instanceof ConfigError) throw error;
          throw fail("must be a JSON object");
        }
      }
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw fail("must be a JSON object");
      return raw;
    case "targets":
    case "notification_options": {
      const value = typeof raw === "string" ? parseJsonSetting(raw, source) : raw;
      try {
        return kind === "targets" ? parseConfigTargets(value, source) : parseNotificationSettings(value, source);
      } catch (error) {
        throw new ConfigError((error as Error).message);
      }
    }
  }
}

function parseJsonSetting(raw: string, source: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new ConfigError(`${source}: must be JSON (got ${JSON.stringify(raw)})`);
  }
}
