import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
  /** The status the receiver answered with. */
  status: number;
  at: number;
}

/** How the receiver answers one request: a status (with headers), or a delay first. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  delayMs?: number;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Requests answered with 2xx. */
  accepted(): ReceivedRequest[];
  /** Requests received and not answered yet (held by a delay). */
  held(): number;
  /** Replies for the next requests, in order; once used up, requests get `fallback`. */
  replies: Reply[];
  fallback: Reply;
  /** While true, every connection is cut at once, before any request is read: the receiver is down. */
  down: boolean;
  close(): Promise<void>;
}

/** A real HTTP receiver on 127.0.0.1, recording every request and answering as told. */
export async function startReceiver(options: { fallback?: Reply; replies?: Reply[]; down?: boolean } = {}): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const pending = new Set<ServerResponse>();
  const receiver = {
    url: "",
    port: 0,
    requests,
    replies: options.replies ?? [],
    fallback: options.fallback ?? { status: 200 },
    down: options.down ?? false,
    accepted: () => requests.filter((request) => request.status >= 200 && request.status < 300),
    held: () => pending.size,
    close: () => Promise.resolve(),
  } as WebhookReceiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const reply = receiver.replies.shift() ?? receiver.fallback;
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const answer = () => {
        pending.delete(res);
        if (res.destroyed) return;
        requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body, json, status: reply.status, at: Date.now() });
        res.writeHead(reply.status, reply.headers ?? {});
        res.end();
      };
      pending.add(res);
      if (reply.delayMs) setTimeout(answer, reply.delayMs).unref();
      else answer();
    });
  });
  // The port stays ours while "down" (a closed port could be taken by another program meanwhile).
  server.on("connection", (socket) => {
    if (receiver.down) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      for (const res of pending) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
