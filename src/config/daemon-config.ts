import { homedir } from "node:os";
import { join } from "node:path";
import type { NotificationTarget } from "../notify/notification-target.js";
import { DEFAULT_NOTIFICATION_SETTINGS, type NotificationSettings } from "../notify/notification-settings.js";

/** Every setting of the daemon. The first seven are the usage guide's `DaemonConfig` fields. */
export interface DaemonConfig {
  host: string;
  port: number;
  logLevel: "debug" | "info" | "warn" | "error" | "fatal";
  stateDir: string;
  maxProjects: number;
  /** Seconds between liveness checks of agents that report nothing (a safety net; output is event-driven). */
  pollInterval: number;
  /** Seconds between snapshots of non-essential data and history pruning (mutations are durable at once). */
  saveInterval: number;
  /** Bearer token required on every request; empty means none (only allowed on loopback). */
  token: string;
  /** Require a token on loopback too; without `token`, the daemon generates one into `<state_dir>/token` (0600). */
  requireToken: boolean;
  /** Project directories must lie inside one of these; empty means anywhere. */
  allowedProjectRoots: string[];
  /** Extra Host names accepted besides the bind address, `localhost`, `127.0.0.1` and `::1` (any port). */
  allowedHosts: string[];
  /** Browser origins allowed to call the API (CORS); empty means none. */
  allowedOrigins: string[];
  defaultRuntime: string;
  /** Per-runtime overrides: `{"claude-code": {"command": ["/opt/claude"]}, "shell": {"command": [...], "ready_pattern": "..."}}`. */
  runtimes: Record<string, RuntimeSettings>;
  /** More variables of the daemon's environment (or prefixes ending in `*`) that agents get; never `COMMANDER_*`. */
  agentEnv: string[];
  /** Claude Code's permission mode for new sessions; `default` asks for each tool use. */
  claudePermissionMode: string;
  /** Answer Claude Code's folder-trust dialog with "trust" instead of raising an event. */
  trustProjectFolders: boolean;
  /**
   * Seconds Claude Code's PermissionRequest hook waits for an answer from Commander; after that the CLI
   * shows its own dialog, and a later answer is typed into it.
   */
  claudePermissionTimeout: number;
  maxQueuedPerProject: number;
  maxContentBytes: number;
  maxBodyBytes: number;
  maxStreamsPerClient: number;
  /** Most open connections, all clients together; keep it well below the open-file limit (`ulimit -n`). */
  maxConnections: number;
  /** Most open connections from one remote address. */
  maxConnectionsPerClient: number;
  /** Seconds after which a connection with no request or stream in progress is closed. */
  idleTimeout: number;
  /** Seconds allowed for a request's headers to arrive. */
  headersTimeout: number;
  /** Seconds allowed for a whole request body to arrive (client message streams excepted). */
  requestTimeout: number;
  /** `json`, `pretty`, or `auto`: pretty when stdout is a terminal, JSON lines otherwise. */
  logFormat: "auto" | "json" | "pretty";
  maxBufferedChanges: number;
  historyMaxFinishedWork: number;
  historyMaxResolvedEvents: number;
  historyMaxChanges: number;
  historyMaxAgeDays: number;
  /** Seconds a session may take to become ready. */
  startTimeout: number;
  /** Seconds the daemon may take to shut down before it exits anyway. */
  shutdownTimeout: number;
  /** Leave agents running at shutdown (they are stopped and restarted on the next start otherwise). */
  keepAgentsOnShutdown: boolean;
  /** Notification targets of the config file (`notifications`); more can be added through the API. */
  notifications: NotificationTarget[];
  /** How notifications are delivered (`notification_options`). */
  notificationOptions: NotificationSettings;
  /** Model prices over the built-in ones (src/config/price-settings.ts), USD per million tokens. */
  prices: Record<string, unknown>;
}

export interface RuntimeSettings {
  command?: string[];
  ready_pattern?: string;
  busy_pattern?: string;
  question_pattern?: string;
  error_pattern?: string;
}

export const DEFAULT_STATE_DIR = join(homedir(), ".claude-mpm", "commander");

export const DEFAULT_CONFIG: DaemonConfig = {
  host: "127.0.0.1",
  port: 8765,
  logLevel: "info",
  stateDir: DEFAULT_STATE_DIR,
  maxProjects: 10,
  pollInterval: 2,
  saveInterval: 30,
  token: "",
  requireToken: false,
  allowedProjectRoots: [],
  allowedHosts: [],
  allowedOrigins: [],
  defaultRuntime: "claude-code",
  runtimes: {},
  agentEnv: [],
  claudePermissionMode: "default",
  trustProjectFolders: false,
  claudePermissionTimeout: 600,
  maxQueuedPerProject: 1000,
  maxContentBytes: 64 * 1024,
  maxBodyBytes: 1024 * 1024,
  maxStreamsPerClient: 64,
  maxConnections: 512,
  maxConnectionsPerClient: 256,
  idleTimeout: 30,
  headersTimeout: 10,
  requestTimeout: 30,
  logFormat: "auto",
  maxBufferedChanges: 1000,
  historyMaxFinishedWork: 10_000,
  historyMaxResolvedEvents: 10_000,
  historyMaxChanges: 10_000,
  historyMaxAgeDays: 30,
  startTimeout: 60,
  shutdownTimeout: 15,
  keepAgentsOnShutdown: false,
  notifications: [],
  notificationOptions: DEFAULT_NOTIFICATION_SETTINGS,
  prices: {},
};
