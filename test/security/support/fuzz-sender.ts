import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import type { FuzzRequest } from "./fuzz-requests.js";

export interface FuzzOutcome {
  /** The HTTP status, when a response arrived. */
  status?: number;
  /** `grpc-status` and `grpc-message` (after a space) from the headers, the trailers or a gRPC-Web trailer frame. */
  grpcStatus?: string;
  /** What came back (first bytes), for checks and reports. */
  body: string;
  /** A transport failure: the connection was reset, the request timed out, ... */
  error?: string;
  /** The client library refused to send the request (an invalid header): not the daemon's doing. */
  notSent?: boolean;
  /** The request went out on a kept-alive connection (which the server may have closed meanwhile). */
  reusedSocket?: boolean;
}

const STREAM_READ_MS = 150;
// connect-es sends a stream's headers with its first message: a stream with nothing to say yet is silent.
const STREAM_SILENT_MS = 1000;
const RAW_READ_MS = 300;

/** Sends fuzz requests over HTTP/1.1 (keep-alive), h2c and raw TCP to one daemon. */
export function createFuzzSender(port: number, timeoutMs: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let session: http2.ClientHttp2Session | undefined;
  const h2Session = () => {
    if (session === undefined || session.closed || session.destroyed) {
      const current = http2.connect(`http://127.0.0.1:${port}`);
      current.on("error", () => undefined);
      // After a GOAWAY a client opens a new connection for new requests (RFC 9113 §6.8). Node's server
      // sends one, for instance, when it could not write to a stream the client had just cancelled.
      current.on("goaway", () => {
        if (session === current) session = undefined;
        current.close();
      });
      session = current;
    }
    return session;
  };

  function sendH1(request: FuzzRequest): Promise<FuzzOutcome> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (outcome: FuzzOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      let req: http.ClientRequest;
      try {
        req = http.request({
          host: "127.0.0.1",
          port,
          method: request.method,
          path: request.path,
          headers: request.headers,
          agent,
          setHost: request.headers.host === undefined,
        });
      } catch (error) {
        resolve({ body: "", notSent: true, error: (error as Error).message });
        return;
      }
      const timer = setTimeout(() => {
        req.destroy();
        finish({ body: "", error: request.streaming ? "stream still open" : "timeout" });
      }, request.streaming ? STREAM_SILENT_MS : timeoutMs);
      req.on("response", (res) => {
        let body = "";
        res.setEncoding("latin1");
        res.on("data", (chunk: string) => {
          if (body.length < 4096) body += chunk;
        });
        const done = () => finish({ status: res.statusCode, grpcStatus: grpcStatusOf(res.headers, res.trailers, body), body });
        res.on("end", done);
        res.on("error", done);
        res.on("close", done);
        if (request.streaming) setTimeout(() => {
          done();
          req.destroy();
        }, STREAM_READ_MS);
      });
      req.on("error", (error: NodeJS.ErrnoException) => finish({ body: "", error: error.code ?? error.message, reusedSocket: req.reusedSocket }));
      if (request.body !== undefined && request.body.length > 1 && request.body.length % 10 === 0) {
        // Some bodies go out chunked (no Content-Length).
        req.write(request.body.subarray(0, 1));
        req.end(request.body.subarray(1));
      } else {
        req.end(request.body);
      }
    });
  }

  function sendH2(request: FuzzRequest): Promise<FuzzOutcome> {
    return new Promise((resolve) => {
      const headers: http2.OutgoingHttpHeaders = { ":method": request.method, ":path": request.path };
      for (const [name, value] of Object.entries(request.headers)) {
        if (name === "host") headers[":authority"] = value;
        else headers[name] = value;
      }
      let stream: http2.ClientHttp2Stream;
      try {
        stream = h2Session().request(headers, { endStream: request.body === undefined });
      } catch (error) {
        resolve({ body: "", notSent: true, error: (error as Error).message });
        return;
      }
      let settled = false;
      let status: number | undefined;
      let responseHeaders: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders = {};
      let body = "";
      const finish = (error?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
        resolve({ status, grpcStatus: grpcStatusOf(responseHeaders, trailers, body), body, error: status === undefined ? error ?? "no response" : undefined });
      };
      const timer = setTimeout(() => finish(request.streaming ? "stream still open" : "timeout"), request.streaming ? STREAM_SILENT_MS : timeoutMs);
      stream.on("response", (h) => {
        responseHeaders = h;
        status = Number(h[":status"]);
        if (request.streaming) setTimeout(() => finish(), STREAM_READ_MS);
      });
      stream.on("trailers", (t) => (trailers = t));
      stream.setEncoding("latin1");
      stream.on("data", (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      stream.on("end", () => finish());
      stream.on("close", () => finish("stream closed"));
      stream.on("error", (error: NodeJS.ErrnoException) => finish(`${error.code ?? error.message} (rst ${stream.rstCode})`));
      if (request.body !== undefined) stream.end(request.body);
    });
  }

  function sendRaw(request: FuzzRequest): Promise<FuzzOutcome> {
    return new Promise((resolve) => {
      let received = "";
      const socket = net.connect(port, "127.0.0.1", () => socket.write(request.raw ?? Buffer.alloc(0)));
      const finish = () => {
        clearTimeout(timer);
        socket.destroy();
        const match = /^HTTP\/1\.[01] (\d{3})/.exec(received);
        resolve({ status: match ? Number(match[1]) : undefined, body: received.slice(0, 4096) });
      };
      const timer = setTimeout(finish, RAW_READ_MS);
      socket.setEncoding("latin1");
      socket.on("data", (chunk: string) => (received += chunk));
      socket.on("error", () => undefined);
      socket.on("close", finish);
    });
  }

  return {
    async send(request: FuzzRequest): Promise<FuzzOutcome> {
      if (request.channel === "raw") return sendRaw(request);
      if (request.channel === "h2") {
        const outcome = await sendH2(request);
        // REFUSED_STREAM: the server did not process the request, which is safe to retry (RFC 9113 §8.7).
        return outcome.error?.includes(`rst ${http2.constants.NGHTTP2_REFUSED_STREAM})`) ? sendH2(request) : outcome;
      }
      const outcome = await sendH1(request);
      // A kept-alive connection the server closed as the request went out: what every HTTP client retries.
      return outcome.reusedSocket && outcome.error === "ECONNRESET" ? sendH1(request) : outcome;
    },
    close() {
      agent.destroy();
      session?.destroy();
    },
  };
}

function grpcStatusOf(headers: http.IncomingHttpHeaders, trailers: NodeJS.Dict<string | string[]>, body: string): string | undefined {
  const value = trailers["grpc-status"] ?? headers["grpc-status"];
  const message = trailers["grpc-message"] ?? headers["grpc-message"];
  if (value !== undefined) return `${String(value)} ${decodeURIComponent(String(message ?? ""))}`;
  // gRPC-Web carries them in a trailer frame inside the body.
  const status = /grpc-status: ?(\d+)/i.exec(body)?.[1];
  const text = /grpc-message: ?([^\r\n]*)/i.exec(body)?.[1] ?? "";
  return status === undefined ? undefined : `${status} ${decodeURIComponent(text)}`;
}
