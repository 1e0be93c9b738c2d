import type * as http from "node:http";
import type * as http2 from "node:http2";
import * as net from "node:net";
import type { Logger } from "pino";
import type { ConnectionBook } from "./connection-book.js";

// Every HTTP/2 connection without TLS ("prior knowledge" h2c, as gRPC clients use) starts with the
// preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" (RFC 9113 §3.4); no HTTP/1.1 request starts with "PRI".
const h2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const sniffBytes = 3;

export interface PrefaceSnifferOptions {
  readonly h1: http.Server;
  readonly h2: http2.Http2Server;
  readonly logger: Logger;
  /** Admits each connection (limits) and closes it when idle, whether or not it has sent its first bytes. */
  readonly book: ConnectionBook;
}

export interface PrefaceSniffer {
  /** The TCP listener; it owns every connection, whichever server handles it. */
  readonly server: net.Server;
  /** Open connections, handed over or not. */
  readonly sockets: ReadonlySet<net.Socket>;
  /** Drops connections that have not sent their first bytes yet. */
  destroyUnsniffed(): void;
}

/**
 * One TCP port for HTTP/1.1 and cleartext HTTP/2: reads the first bytes of each connection and hands
 * it to the HTTP/2 server when they are the preface, to the HTTP/1.1 server otherwise. Needed because
 * Node's `http2.createServer({ allowHTTP1: true })` only falls back to HTTP/1.1 over TLS (ALPN).
 */
export function createPrefaceSniffer(options: PrefaceSnifferOptions): PrefaceSniffer {
  const { h1, h2, logger } = options;
  const sockets = new Set<net.Socket>();
  const unsniffed = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    // Without a listener a reset before the hand-over would be an uncaught error.
    socket.on("error", (err) => logger.debug({ err }, "connection error"));
    socket.setNoDelay(true);
    if (!options.book.admit(socket)) return;
    sockets.add(socket);
    unsniffed.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      unsniffed.delete(socket);
    });
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const compared = Math.min(received.length, sniffBytes);
      const isH2 = received.subarray(0, compared).equals(h2Preface.subarray(0, compared));
      if (isH2 && received.length < sniffBytes) {
        return;
      }
      socket.off("data", onData);
      socket.pause();
      socket.unshift(received);
      unsniffed.delete(socket);
      if (isH2) {
        // The HTTP/2 session reads what is already buffered itself (nodejs/node#35475); resuming the
        // socket here would hand those bytes to nobody.
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
  });
  return {
    server,
    sockets,
    destroyUnsniffed() {
      for (const socket of unsniffed) {
        socket.destroy();
      }
    },
  };
}
