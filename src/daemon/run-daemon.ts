import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import type { Logger } from "pino";
import { CommanderCore } from "../app/commander-core.js";
import { HealthBook } from "../app/health-book.js";
import { createProjectPaths } from "../app/project-paths.js";
import { ConfigError, loadConfig, type DaemonFlags } from "../config/load-config.js";
import { packageVersion } from "../config/package-root.js";
import type { DaemonConfig } from "../config/daemon-config.js";
import { isLoopbackHost } from "../config/remote-token-rule.js";
import { pruneHistory } from "../domain/history-rules.js";
import { recoverAfterRestart } from "../domain/restart-rules.js";
import { createLogger, logDestination, pickLogFormat } from "../log/create-logger.js";
import { loadAnswerLinkKey } from "../notify/answer-link-key.js";
import { NotificationCenter } from "../notify/notification-center.js";
import { createServer } from "../server/create-server.js";
import { createDashboardHandler } from "../server/dashboard-handler.js";
import { allowedHostNames } from "../server/host-guard.js";
import { registerServices } from "../services/register-services.js";
import { acquireStateLock, StateDirectoryLockedError } from "../store/state-lock.js";
import { openStateStore } from "../store/state-store.js";
import { createAgentSupervisor, KNOWN_RUNTIMES } from "../sessions/create-agent-supervisor.js";
import { createAgentTmux } from "../sessions/create-agent-tmux.js";
import { AgentHookService } from "../../gen/es/commander/v1/agent_hook_service_pb.js";
import { NotificationService } from "../../gen/es/commander/v1/notification_service_pb.js";
import { type ApiToken, resolveApiToken, tokenProblem } from "./api-token.js";
import { DaemonLifecycle } from "./daemon-lifecycle.js";
import { watchNpmLauncher } from "./launcher-watch.js";

export interface DaemonIo {
  stderr: NodeJS.WritableStream;
  /** Resolves when the daemon should stop; defaults to SIGTERM/SIGINT. */
  stopSignal?: Promise<void>;
}

const VERSION = packageVersion();

/** Runs the daemon until SIGTERM/SIGINT; resolves with the process exit code. */
export async function runDaemon(flags: DaemonFlags, io: DaemonIo = { stderr: process.stderr }): Promise<number> {
  let config: DaemonConfig;
  try {
    config = loadConfig(flags);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`error: ${error.message}\n`);
    return 2;
  }
  const badToken = tokenProblem(config.token);
  if (badToken !== undefined) {
    io.stderr.write(`error: token: ${badToken}\n`);
    return 2;
  }
  if (!isLoopbackHost(config.host) && config.token === "" && !config.requireToken) {
    io.stderr.write(
      `error: refusing to listen on ${config.host} without a token: anyone who reaches the port could make agents run commands. Set "token" in the config file or COMMANDER_TOKEN (or "require_token": true to generate one), or listen on 127.0.0.1\n`,
    );
    return 2;
  }

  const logger = createLogger(config.logLevel, logDestination(pickLogFormat(config.logFormat, process.stdout.isTTY === true)));
  const lifecycle = new DaemonLifecycle(logger.child({ component: "daemon" }));
  const health = new HealthBook(() => new Date());

  let lock;
  try {
    await mkdir(config.stateDir, { recursive: true, mode: 0o700 });
    lock = await acquireStateLock(config.stateDir);
  } catch (error) {
    io.stderr.write(`error: ${error instanceof StateDirectoryLockedError ? error.message : `cannot use state directory ${config.stateDir}: ${(error as Error).message}`}\n`);
    lifecycle.moveTo("failed");
    return 1;
  }
  let apiToken: ApiToken;
  try {
    apiToken = await resolveApiToken(config);
  } catch (error) {
    io.stderr.write(`error: cannot use the token file: ${(error as Error).message}\n`);
    await lock.release();
    lifecycle.moveTo("failed");
    return 1;
  }
  // Where the token is, never its value.
  logger.info({ authentication: apiToken.source !== "none", tokenSource: apiToken.source, tokenFile: apiToken.file }, "api authentication");
  if (apiToken.tightened) logger.warn({ tokenFile: apiToken.file }, "the token file was readable by others: restricted to its owner");

  const store = await openStateStore({
    directory: config.stateDir,
    logger: logger.child({ component: "store" }),
    saveIntervalMs: config.saveInterval * 1000,
    onProblem: (problem) => health.report(problem),
  });
  for (const problem of store.loadProblems) health.report(problem);
  let notifications: NotificationCenter | undefined;
  const core = new CommanderCore({
    // Notifications are queued in the transaction of the happening they report (the durable outbox).
    beforeCommit: (ctx) => notifications?.plan(ctx),
    store,
    logger,
    health,
    limits: {
      maxProjects: config.maxProjects,
      maxUnfinishedWorkPerProject: config.maxQueuedPerProject,
      maxContentBytes: config.maxContentBytes,
    },
  });
  const answerLinkKey = await loadAnswerLinkKey(config.stateDir).catch((error: unknown) => {
    // Links then stop working at the next restart, which is the safe way round.
    logger.warn({ err: error }, "could not keep the answer-link key in the state directory: using one for this run only");
    return randomBytes(32);
  });
  notifications = new NotificationCenter({
    core,
    configTargets: config.notifications,
    settings: config.notificationOptions,
    answerLinkKey,
    logger: logger.child({ component: "notify" }),
  });
  await core.mutate((ctx) => recoverAfterRestart(ctx), { internal: true }).catch((error: unknown) => {
    logger.error({ err: error }, "could not record the restart recovery");
  });

  const paths = createProjectPaths(config.allowedProjectRoots);
  const agentsLogger = logger.child({ component: "agents" });
  const agents = createAgentSupervisor({ core, config, paths, logger: agentsLogger, tmux: createAgentTmux(config.stateDir, agentsLogger) });
  const server = createServer({
    logger,
    maxBodyBytes: config.maxBodyBytes,
    allowedHosts: allowedHostNames(config.host, config.allowedHosts),
    allowedOrigins: config.allowedOrigins,
    token: apiToken.token,
    // An agent's hook call authenticates with its own session's secret, checked by the hook service.
    // An answer link is its own capability (src/notify/answer-links.ts), valid for one answer only.
    unauthenticatedMethods: [AgentHookService.method.reportHook, NotificationService.method.describeAnswerLink, NotificationService.method.useAnswerLink],
    maxStreamsPerClient: config.maxStreamsPerClient,
    dashboard: createDashboardHandler({ logger }),
    connections: {
      maxConnections: config.maxConnections,
      maxConnectionsPerClient: config.maxConnectionsPerClient,
      idleTimeoutMs: config.idleTimeout * 1000,
      headersTimeoutMs: config.headersTimeout * 1000,
      requestTimeoutMs: config.requestTimeout * 1000,
    },
    registerRoutes: (router) =>
      registerServices(router, {
        core,
        agents,
        logger,
        version: VERSION,
        paths,
        defaultRuntime: config.defaultRuntime,
        knownRuntimes: KNOWN_RUNTIMES,
        maxBufferedChanges: config.maxBufferedChanges,
        notifications: { center: notifications, configTargets: config.notifications, answerLinkKey },
      }),
  });

  let port: number;
  try {
    ({ port } = await server.listen(config.port, config.host));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === "EADDRINUSE"
        ? `port ${config.port} is already in use on ${config.host}; choose another with --port`
        : `cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`;
    io.stderr.write(`error: ${message}\n`);
    await agents.shutdown();
    await store.close();
    await lock.release();
    lifecycle.moveTo("failed");
    return 1;
  }
  // Only a convenience for the message a second daemon prints: a full disk must not stop the daemon here.
  await lock.setAddress(config.host, port).catch((error: unknown) => logger.warn({ err: error }, "could not record the port in the lock file"));
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  lifecycle.moveTo("running", { url, host: config.host, port, stateDir: config.stateDir, version: VERSION });
  agents.onListening(url);
  notifications.start(url);

  const maintenance = setInterval(() => void runMaintenance(core, config, logger), config.saveInterval * 1000);
  maintenance.unref();

  await (io.stopSignal ?? waitForStopSignal(logger, config.shutdownTimeout));
  lifecycle.moveTo("draining");
  clearInterval(maintenance);
  notifications.stop();
  core.stopAcceptingWrites();
  await agents.shutdown().catch((error: unknown) => logger.error({ err: error }, "stopping agents failed"));
  await server.close().catch((error: unknown) => logger.error({ err: error }, "closing the server failed"));
  // The journal still holds every acknowledged write, but the snapshot files are behind: say so by the exit code.
  const snapshotted = await store.compact().then(
    () => true,
    (error: unknown) => (logger.error({ err: error }, "final state snapshot failed"), false),
  );
  await store.close();
  await lock.release();
  lifecycle.moveTo("stopped");
  return snapshotted ? 0 : 1;
}

function waitForStopSignal(logger: Logger, shutdownTimeout: number): Promise<void> {
  return new Promise((resolve) => {
    let received = false;
    const stop = (cause: Record<string, unknown>) => {
      if (received) {
        logger.warn(cause, "second signal: exiting at once");
        process.exit(1);
      }
      received = true;
      logger.info(cause, "shutdown requested");
      // Bounded shutdown: whatever hangs, the process ends.
      setTimeout(() => {
        logger.error({ shutdownTimeout }, "shutdown took too long: exiting");
        process.exit(1);
      }, shutdownTimeout * 1000).unref();
      resolve();
    };
    process.on("SIGTERM", (signal) => stop({ signal }));
    process.on("SIGINT", (signal) => stop({ signal }));
    // Ctrl+C reaches npm and the daemon together: npm then exits during the shutdown, which is no second signal.
    watchNpmLauncher(process.env, (parentPid) => {
      if (!received) stop({ parentPid, reason: "the npm process that started the daemon exited" });
    });
  });
}

async function runMaintenance(core: CommanderCore, config: DaemonConfig, logger: Logger): Promise<void> {
  const cutoff = new Date(Date.now() - config.historyMaxAgeDays * 86_400_000).toISOString();
  try {
    const pruned = await core.mutate(
      (ctx) =>
        pruneHistory(ctx, {
          maxFinishedWork: config.historyMaxFinishedWork,
          maxResolvedEvents: config.historyMaxResolvedEvents,
          maxChanges: config.historyMaxChanges,
          cutoff,
        }),
      { internal: true },
    );
    if (pruned > 0) logger.debug({ pruned }, "history pruned");
  } catch (error) {
    logger.warn({ err: error }, "history pruning failed");
  }
}
