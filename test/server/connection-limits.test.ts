import * as http2 from "node:http2";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { expect } from "chai";
import { ChangeKind, ChangeSchema, WatchService } from "../../gen/es/commander/v1/watch_service_pb.js";
import { openStream } from "../gateway/fixtures/stream-client.js";
import { capturingLogger, H2_PREFACE_AND_SETTINGS, openRaw, plainRequest, type RawConnection } from "./fixtures/raw-connections.js";
import { startTestServer, waitFor } from "./fixtures/test-server.js";
import type { TestServer } from "./fixtures/test-server.js";

const IDLE_MS = 300;

/** Resolves with how long the connection stayed open, or fails after `timeoutMs`. */
async function closedWithin(connection: RawConnection, timeoutMs: number, what: string): Promise<void> {
  await waitFor(() => connection.isClosed(), what, timeoutMs);
}

/** The server's SETTINGS came back: the connection was handed to the HTTP/2 server. */
async function h2Ready(connection: RawConnection): Promise<void> {
  await waitFor(() => connection.received().length >= 9, "the server's SETTINGS");
}

describe("connection limits and timeouts", () => {
  describe("timeouts", () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ connections: { idleTimeoutMs: IDLE_MS, requestTimeoutMs: 500, headersTimeoutMs: 500 } });
      server.fixture.watch.endAfterHistory = false;
    });
    after(() => server.close());

    it("closes an HTTP/2 connection that sent only the preface and SETTINGS after the idle timeout", async () => {
      const connection = await openRaw(server.port, H2_PREFACE_AND_SETTINGS);
      await h2Ready(connection);
      await closedWithin(connection, 3000, "the idle HTTP/2 connection to be closed");
    });

    it("closes a connection that sends nothing, and an HTTP/1.1 keep-alive connection after its last response", async () => {
      const silent = await openRaw(server.port);
      const keptAlive = await openRaw(server.port, `GET /api/projects HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
      await waitFor(() => keptAlive.received().toString().includes("\r\n\r\n"), "the response");
      expect(keptAlive.received().toString()).to.match(/^HTTP\/1\.1 200/);
      await closedWithin(silent, 3000, "the silent connection to be closed");
      await closedWithin(keptAlive, 3000, "the keep-alive connection to be closed");
    });

    it("keeps open streams over HTTP/1.1 and HTTP/2 beyond the idle timeout", async () => {
      const ndjson = await openStream(server.baseUrl, "/api/changes");
      const sessionManager = new Http2SessionManager(server.baseUrl);
      const watch = createClient(WatchService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "2", sessionManager }));
      const abort = new AbortController();
      const seen: bigint[] = [];
      const reading = (async () => {
        for await (const response of watch.watchChanges({ afterSeq: 3n }, { signal: abort.signal })) seen.push(response.change!.seq);
      })().catch(() => {});
      try {
        await waitFor(() => server.fixture.watch.active === 2, "both streams to open");
        // Several idle timeouts pass with nothing sent on either stream.
        await new Promise((resolve) => setTimeout(resolve, IDLE_MS * 4));
        server.fixture.live.emit("change", create(ChangeSchema, { seq: 9n, kind: ChangeKind.WORK_CHANGED, projectId: "p1" }));
        await waitFor(() => seen.includes(9n), "the change over HTTP/2");
        await ndjson.waitForText((text) => text.includes('"9"'), "the change over HTTP/1.1");
      } finally {
        abort.abort();
        ndjson.close();
        sessionManager.abort();
        await reading;
      }
    });

    it("answers 408 to an HTTP/1.1 chunked body that never ends, after the request timeout", async () => {
      const connection = await openRaw(
        server.port,
        `POST /api/projects HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n`,
      );
      await closedWithin(connection, 3000, "the connection to be closed");
      expect(connection.received().toString()).to.match(/^HTTP\/1\.1 408/);
    });

    for (const [what, path, contentType] of [
      ["a REST", "/api/projects", "application/json"],
      ["a Connect", "/commander.v1.ProjectService/RegisterProject", "application/json"],
    ] as const) {
      it(`answers 408 to ${what} request over HTTP/2 whose body never ends, and keeps the connection usable`, async () => {
        const session = http2.connect(server.baseUrl);
        try {
          const stream = session.request({ ":method": "POST", ":path": path, "content-type": contentType }, { endStream: false });
          stream.write("{");
          const [headers] = await new Promise<[http2.IncomingHttpHeaders]>((resolve, reject) => {
            stream.once("response", (h) => resolve([h]));
            stream.once("error", reject);
            setTimeout(() => reject(new Error("no answer within 3 s")), 3000).unref();
          });
          expect(headers[":status"]).to.equal(408);
          stream.resume();
          await new Promise((resolve) => stream.once("close", resolve));
          const next = session.request({ ":method": "GET", ":path": "/api/projects" });
          const [again] = await new Promise<[http2.IncomingHttpHeaders]>((resolve) => next.once("response", (h) => resolve([h])));
          next.resume();
          expect(again[":status"]).to.equal(200);
        } finally {
          session.destroy();
        }
      });
    }
  });

  it("answers 408 to HTTP/1.1 headers that never end, after the headers timeout", async () => {
    const server = await startTestServer({ connections: { idleTimeoutMs: 60_000, headersTimeoutMs: 300, requestTimeoutMs: 60_000 } });
    try {
      const connection = await openRaw(server.port, `GET /api/projects HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nX-Slow: `);
      await closedWithin(connection, 3000, "the connection to be closed");
      expect(connection.received().toString()).to.match(/^HTTP\/1\.1 408/);
    } finally {
      await server.close();
    }
  });

  describe("connection caps", () => {
    it("closes the oldest idle connection for a new one at max_connections, and warns once", async () => {
      const log = capturingLogger();
      const server = await startTestServer({ logger: log.logger, connections: { maxConnections: 4, idleTimeoutMs: 60_000 } });
      const idle: RawConnection[] = [];
      try {
        for (let i = 0; i < 6; i += 1) {
          const connection = await openRaw(server.port, H2_PREFACE_AND_SETTINGS);
          idle.push(connection);
          await waitFor(() => connection.received().length >= 9 || connection.isClosed(), "an answer");
        }
        await closedWithin(idle[0], 3000, "the oldest connection to be closed");
        await closedWithin(idle[1], 3000, "the second oldest connection to be closed");
        expect(idle.slice(2).map((connection) => connection.isClosed())).to.deep.equal([false, false, false, false]);
        const answer = await plainRequest(server.port, "GET", "/api/projects");
        expect(answer.status).to.equal(200);
        const warnings = log.records().filter((record) => record.msg === "connection limit reached");
        // Three times over the limit, one warning: they are rate-limited.
        expect(warnings).to.have.length(1);
        expect(warnings[0]).to.include({ level: 40, limit: "max_connections", value: 4 });
      } finally {
        for (const connection of idle) connection.socket.destroy();
        await server.close();
      }
    });

    it("refuses a new connection when every connection is busy, and limits each client separately", async () => {
      const log = capturingLogger();
      const server = await startTestServer({ logger: log.logger, connections: { maxConnections: 10, maxConnectionsPerClient: 2, idleTimeoutMs: 60_000 } });
      server.fixture.watch.endAfterHistory = false;
      const streams = [await openStream(server.baseUrl, "/api/changes"), await openStream(server.baseUrl, "/api/changes")];
      try {
        const refused = await plainRequest(server.port, "GET", "/api/projects").then(
          () => "answered",
          (error: NodeJS.ErrnoException) => error.code,
        );
        expect(refused).to.be.oneOf(["ECONNRESET", "EPIPE"]);
        const warning = log.records().find((record) => record.msg === "connection limit reached");
        expect(warning).to.include({ limit: "max_connections_per_client", value: 2, action: "refused the new connection" });
      } finally {
        for (const stream of streams) stream.close();
        await server.close();
      }
    });
  });
});
