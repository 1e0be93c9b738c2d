import { setMaxListeners } from "node:events";
import * as http from "node:http";
import * as http2 from "node:http2";
import type * as net from "node:net";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { ApiError } from "../errors/api-error.js";
import type { NodeServerRequest } from "../gateway/node-http-types.js";
import { createDirectCalls } from "../gateway/direct-calls.js";
import { createRestHandler } from "../gateway/rest-handler.js";
import { createRouteTable } from "../gateway/route-table.js";
import { createConnectionBook, type ConnectionLimits } from "./connection-book.js";
import type { DashboardHandler } from "./dashboard-handler.js";
import { createPrefaceSniffer } from "./preface-sniffer.js";
import { recordRoutes } from "./record-routes.js";
import { withGuards } from "./request-guard.js";
import { createRequestTargets } from "./request-targets.js";
import { createRpcAdapter } from "./rpc-adapter.js";
import { transportGuards, type TransportGuardOptions } from "./transport-guards.js";
import { withBodyDeadline } from "./with-body-deadline.js";
import { withRequestLog } from "./with-request-log.js";
import { withStandardServices } from "./with-standard-services.js";

/** Defaults of the connection limits; `max_connections` stays well below the usual 1,024 open files. */
export const DEFAULT_CONNECTION_SETTINGS: ConnectionSettings = {
  maxConnections: 512,
  maxConnectionsPerClient: 256,
  idleTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
};

export interface ConnectionSettings extends ConnectionLimits {
  /** Time allowed for a request's headers to arrive (HTTP/1.1). */
  readonly headersTimeoutMs: number;
  /** Time allowed for a whole request (headers and body) to arrive; streams of messages from the client are exempt. */
  readonly requestTimeoutMs: number;
}

/** The transport guards' options (Host, Origin, token, stream limit) apply to every protocol alike. */
export interface CreateServerOptions extends TransportGuardOptions {
  /** Registers the daemon's services; called once, its registrations shared by RPC and REST. */
  readonly registerRoutes: (router: ConnectRouter) => void;
  readonly logger: Logger;
  /** Largest request body (REST) or message (RPC); larger ones get 413 / RESOURCE_EXHAUSTED. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Interceptors for every call, RPC and REST alike. */
  readonly interceptors?: Interceptor[];
  /** Interval of the keep-alive comments on Server-Sent Events streams. Default 15 s. */
  readonly sseKeepAliveMs?: number;
  /** How long close() waits for connections to end before destroying them. Default 2 s. */
  readonly closeTimeoutMs?: number;
  /** The browser dashboard, served for GET requests outside `/api` that no RPC path matches. */
  readonly dashboard?: DashboardHandler;
  /** Connection limits and timeouts; each unset one takes its DEFAULT_CONNECTION_SETTINGS value. */
  readonly connections?: Partial<ConnectionSettings>;
}

export interface CommanderServer {
  /** Starts listening; rejects with the listen error (its `code` is `EADDRINUSE` for a busy port). */
  listen(port: number, host: string): Promise<{ port: number }>;
  /** Ends open streams with UNAVAILABLE, closes every connection and stops listening. */
  close(): Promise<void>;
  /** Aborted, with an UNAVAILABLE SHUTTING_DOWN ApiError, when close() starts. */
  readonly shutdownSignal: AbortSignal;
}

type ServerState = "created" | "listening" | "closing" | "closed";

/**
 * The daemon's one port: gRPC (h2c), gRPC-Web, Connect (HTTP/1.1 and h2c) and REST (the gateway, as the
 * Connect adapter's fallback), plus gRPC health and reflection. Every request first passes the transport
 * guards (transport-guards.ts), whatever its protocol. Nothing happens until listen().
 */
export function createServer(options: CreateServerOptions): CommanderServer {
  const log = options.logger.child({ component: "server" });
  const shutdown = new AbortController();
  // Every call in flight (over REST and RPC alike) listens to this one signal until it ends, so their
  // number, not a leak, passes Node's default of 10 whenever writes queue behind an fsync.
  setMaxListeners(0, shutdown.signal);
  const routes = withStandardServices(recordRoutes(options.registerRoutes));
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const dashboard = options.dashboard;
  // One set of in-process calls and one route table, shared by the REST gateway, the gRPC unary fast
  // path and the transport guards.
  const direct = createDirectCalls(routes, { interceptors: options.interceptors });
  const table = createRouteTable(direct.router.handlers.map((handler) => handler.method));
  const targets = createRequestTargets(direct.router.handlers, table);
  // What no RPC or REST route serves, a GET outside /api, is the dashboard's.
  const isDashboard = (req: NodeServerRequest) =>
    dashboard !== undefined && !targets.isRpcPath(req) && targets.methodOf(req) === undefined && dashboard.matches(req);
  const rest = createRestHandler({
    direct,
    table,
    logger: options.logger,
    maxBodyBytes,
    shutdownSignal: shutdown.signal,
    sseKeepAliveMs: options.sseKeepAliveMs,
  });
  const adapter = createRpcAdapter({
    routes,
    direct,
    logger: options.logger,
    jsonOptions: { useProtoFieldName: true },
    shutdownSignal: shutdown.signal,
    interceptors: options.interceptors,
    // The same limit as REST bodies: a larger RPC message is RESOURCE_EXHAUSTED.
    readMaxBytes: maxBodyBytes,
    fallback: dashboard === undefined ? rest : (req, res) => (isDashboard(req) ? dashboard.serve(req, res) : rest(req, res)),
  });
  // The page and its scripts hold no data, and a browser cannot add a header to a navigation: they are
  // served without the token (Host and Origin are still checked); every API call the page makes needs it.
  const isPublic = dashboard === undefined ? undefined : isDashboard;
  const settings: ConnectionSettings = { ...DEFAULT_CONNECTION_SETTINGS, ...definedOnly(options.connections ?? {}) };
  const guarded = withGuards(adapter, transportGuards({ ...options, isPublic }, targets), { targets, logger: options.logger, drainLimitBytes: maxBodyBytes });
  const handler = withRequestLog(
    withBodyDeadline(guarded, {
      timeoutMs: settings.requestTimeoutMs,
      isOpenEnded: (req) => {
        const kind = targets.methodOf(req)?.methodKind;
        return kind === "client_streaming" || kind === "bidi_streaming";
      },
      logger: log,
    }),
    { logger: options.logger, targets },
  );
  const book = createConnectionBook({ ...settings, logger: log });
  const h1 = http.createServer(
    {
      requestTimeout: settings.requestTimeoutMs,
      headersTimeout: Math.min(settings.headersTimeoutMs, settings.requestTimeoutMs),
      keepAliveTimeout: settings.idleTimeoutMs,
      // How often Node checks the two timeouts above; its default (30 s) would make them that coarse.
      connectionsCheckingInterval: Math.max(20, Math.min(1000, settings.headersTimeoutMs / 2, settings.requestTimeoutMs / 2)),
    },
    handler,
  );
  // The HTTP/1.1 server never listens itself (the sniffer does), but Node only tracks its connections,
  // which closeIdleConnections() and the request/headers timeouts rely on, from its "listening" event.
  h1.emit("listening");
  h1.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    book.busy(req.socket);
    res.once("close", () => book.done(req.socket));
  });
  const h2 = http2.createServer({}, handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  // `session.socket` is a proxy, not the socket the book knows: remember the one being handed over
  // ("session" is emitted synchronously while the server takes the connection).
  let handedOver: net.Socket | undefined;
  h2.prependListener("connection", (socket: net.Socket) => (handedOver = socket));
  h2.on("session", (session) => {
    const socket = handedOver;
    handedOver = undefined;
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    session.on("error", (err) => log.debug({ err }, "http2 session error"));
    if (socket === undefined) return;
    book.setCloser(socket, (reason) => {
      if (reason === "evicted") {
        session.destroy();
        return;
      }
      // GOAWAY first, so that a client that just opened a stream knows to retry it elsewhere.
      session.close();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
    session.on("stream", (stream: http2.ServerHttp2Stream) => {
      book.busy(socket);
      stream.once("close", () => book.done(socket));
    });
  });
  const sniffer = createPrefaceSniffer({ h1, h2, logger: log, book });
  let state: ServerState = "created";
  let closing: Promise<void> | undefined;
  const transition = (next: ServerState, details: Record<string, unknown> = {}) => {
    log.info({ ...details, from: state, to: next }, "server state changed");
    state = next;
  };

  function listen(port: number, host: string): Promise<{ port: number }> {
    if (state !== "created") {
      return Promise.reject(new Error(`cannot listen: server is ${state}`));
    }
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        sniffer.server.off("listening", onListening);
        reject(err);
      };
      const onListening = () => {
        sniffer.server.off("error", onError);
        sniffer.server.on("error", (err) => log.error({ err }, "listener error"));
        const address = sniffer.server.address() as net.AddressInfo;
        transition("listening", { host, port: address.port });
        resolve({ port: address.port });
      };
      sniffer.server.once("error", onError);
      sniffer.server.once("listening", onListening);
      sniffer.server.listen(port, host);
    });
  }

  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      const wasListening = sniffer.server.listening;
      transition("closing", { connections: sniffer.sockets.size });
      // Open streams end now with this reason, so graceful closes below do not wait on them.
      shutdown.abort(new ApiError("SHUTTING_DOWN", "server shutting down"));
      sniffer.destroyUnsniffed();
      for (const session of sessions) {
        session.close();
      }
      // HTTP/1.1 connections become idle once their response ends; close them as they do. close() also
      // stops the server's connection-checking timer.
      h1.close();
      const idleSweep = setInterval(() => h1.closeIdleConnections(), 20);
      const force = setTimeout(() => {
        log.warn({ connections: sniffer.sockets.size }, "connections destroyed on close");
        for (const session of sessions) session.destroy();
        h1.closeAllConnections();
        for (const socket of sniffer.sockets) socket.destroy();
      }, options.closeTimeoutMs ?? 2000);
      const finish = () => {
        book.clear();
        clearInterval(idleSweep);
        clearTimeout(force);
        transition("closed");
        resolve();
      };
      if (wasListening) {
        sniffer.server.close(() => finish());
      } else {
        finish();
      }
    });
    return closing;
  }

  return { listen, close, shutdownSignal: shutdown.signal };
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
