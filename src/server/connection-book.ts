import type * as net from "node:net";
import type { Logger } from "pino";
import { createRateLimitedLog } from "../log/rate-limited-log.js";

export interface ConnectionLimits {
  /** Most connections open at once, all clients together. */
  readonly maxConnections: number;
  /** Most connections open at once from one remote address. */
  readonly maxConnectionsPerClient: number;
  /** A connection with no request or stream in progress for this long is closed. */
  readonly idleTimeoutMs: number;
}

export interface ConnectionBookOptions extends ConnectionLimits {
  readonly logger: Logger;
  /** Least time between two warnings about the same limit. Default 10 s. */
  readonly warnIntervalMs?: number;
}

/** How a connection is closed once the server that handles it is known (an HTTP/2 session sends GOAWAY first). */
export type Closer = (reason: "idle" | "evicted") => void;

export interface ConnectionBook {
  /**
   * Takes a new connection in, or refuses it (and destroys it) when a limit is reached and no idle
   * connection can make room. At a limit the oldest idle connection (of the same client for the per-client
   * limit) is closed for the new one: an idle connection costs its client nothing but a reconnect, while
   * refusing new ones would let a client that opens and abandons connections lock everybody out.
   */
  admit(socket: net.Socket): boolean;
  /** Sets how the connection is closed (default: the socket is destroyed). */
  setCloser(socket: net.Socket, closer: Closer): void;
  /** A request or stream started on the connection: it is not idle until as many have ended. */
  busy(socket: net.Socket): void;
  /** A request or stream of the connection ended. */
  done(socket: net.Socket): void;
  /** Open connections. */
  readonly size: number;
  /** Stops the idle timers (the server is closing). */
  clear(): void;
}

interface Entry {
  readonly socket: net.Socket;
  readonly client: string;
  active: number;
  timer: NodeJS.Timeout | undefined;
  closer: Closer;
  closed: boolean;
}

/**
 * Every open connection of the daemon's port with what it is doing, so that neither idle connections
 * nor one client can use up the process's file descriptors (issue: about 1,000 connections that only
 * sent the HTTP/2 preface made the daemon unreachable under the usual limit of 1,024 open files).
 */
export function createConnectionBook(options: ConnectionBookOptions): ConnectionBook {
  const log = options.logger;
  const entries = new Map<net.Socket, Entry>();
  const byClient = new Map<string, Map<net.Socket, Entry>>();
  const warn = createRateLimitedLog(log, "warn", options.warnIntervalMs ?? 10_000);

  // One timer per connection, re-armed with refresh() when its last request ends: a new timer per request
  // was a measurable share of a small call. While requests are running it may fire; it then does nothing.
  const startIdleTimer = (entry: Entry) => {
    if (entry.timer !== undefined) {
      entry.timer.refresh();
      return;
    }
    entry.timer = setTimeout(() => {
      if (entry.active === 0) close(entry, "idle");
    }, options.idleTimeoutMs);
  };
  const close = (entry: Entry, reason: "idle" | "evicted") => {
    if (entry.closed) return;
    entry.closed = true;
    clearTimeout(entry.timer);
    log.debug({ remote: entry.client, reason }, "connection closed by the server");
    entry.closer(reason);
  };
  const remove = (entry: Entry) => {
    clearTimeout(entry.timer);
    entries.delete(entry.socket);
    const ofClient = byClient.get(entry.client);
    ofClient?.delete(entry.socket);
    if (ofClient?.size === 0) byClient.delete(entry.client);
  };
  /** Closes the oldest idle connection among `candidates`; false when every one is busy. */
  const evictOldestIdle = (candidates: Map<net.Socket, Entry>): boolean => {
    for (const entry of candidates.values()) {
      if (entry.active === 0 && !entry.closed) {
        close(entry, "evicted");
        remove(entry);
        return true;
      }
    }
    return false;
  };
  const makeRoom = (limit: "max_connections" | "max_connections_per_client", value: number, candidates: Map<net.Socket, Entry>, client: string) => {
    const evicted = evictOldestIdle(candidates);
    warn(limit, { limit, value, remote: client, action: evicted ? "closed the oldest idle connection" : "refused the new connection" }, "connection limit reached");
    return evicted;
  };

  return {
    admit(socket) {
      const client = socket.remoteAddress ?? "unknown";
      const ofClient = byClient.get(client) ?? new Map<net.Socket, Entry>();
      if (ofClient.size >= options.maxConnectionsPerClient && !makeRoom("max_connections_per_client", options.maxConnectionsPerClient, ofClient, client)) {
        socket.destroy();
        return false;
      }
      if (entries.size >= options.maxConnections && !makeRoom("max_connections", options.maxConnections, entries, client)) {
        socket.destroy();
        return false;
      }
      const entry: Entry = { socket, client, active: 0, timer: undefined, closer: () => socket.destroy(), closed: false };
      entries.set(socket, entry);
      ofClient.set(socket, entry);
      byClient.set(client, ofClient);
      socket.once("close", () => remove(entry));
      startIdleTimer(entry);
      return true;
    },
    setCloser(socket, closer) {
      const entry = entries.get(socket);
      if (entry !== undefined) entry.closer = closer;
    },
    busy(socket) {
      const entry = entries.get(socket);
      if (entry === undefined) return;
      entry.active += 1;
    },
    done(socket) {
      const entry = entries.get(socket);
      if (entry === undefined || entry.active === 0) return;
      entry.active -= 1;
      if (entry.active === 0 && !entry.closed) startIdleTimer(entry);
    },
    get size() {
      return entries.size;
    },
    clear() {
      for (const entry of entries.values()) clearTimeout(entry.timer);
    },
  };
}
