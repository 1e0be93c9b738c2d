// The baseline for the REST figures: a bare `node:http` server, in its own process like the daemon, that
// answers each route with the bytes the daemon answered (status, content-type, body, a fresh
// x-request-id), so the difference to the daemon is everything the daemon does besides HTTP.
//
// Options (a JSON file named by argv[2]):
//   routes:  [{ method, path, status, contentType, body (base64) }]; matched on method and path (no query)
//   journal: a file path; when set, every POST body is appended to it and made durable (fdatasync)
//            before the answer, with concurrent requests grouped into one write, as the daemon's journal does
//   stream:  a path (e.g. "/api/changes"); GET holds an NDJSON response open, and every POST is written,
//            after it is durable, as one line to every open stream (the baseline for watchers)
// Prints "listening <port>" once it listens on 127.0.0.1.
import { randomUUID } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import { createServer } from "node:http";

const options = JSON.parse(await readFile(process.argv[2], "utf8"));
const routes = new Map(
  options.routes.map((route) => [`${route.method} ${route.path}`, { ...route, body: Buffer.from(route.body, "base64") }]),
);
const journal = options.journal ? await open(options.journal, "a") : null;
const watchers = new Set();
let seq = 0;

let queue = [];
let writing = false;
function makeDurable(data) {
  return new Promise((resolve, reject) => {
    queue.push({ data, resolve, reject });
    if (!writing) void flush();
  });
}
async function flush() {
  writing = true;
  while (queue.length > 0) {
    const batch = queue;
    queue = [];
    try {
      await journal.write(Buffer.concat(batch.flatMap((entry) => [entry.data, Buffer.from("\n")])));
      await journal.datasync();
      for (const entry of batch) entry.resolve();
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
  writing = false;
}

function broadcast(body) {
  const line = `${JSON.stringify({ result: { change: { seq: String(++seq), kind: "work_changed", body: body.toString("utf8") } } })}\n`;
  for (const response of watchers) response.write(line);
}

const server = createServer((request, response) => {
  const path = request.url.split("?")[0];
  if (options.stream && request.method === "GET" && path === options.stream) {
    response.writeHead(200, { "content-type": "application/x-ndjson", "x-request-id": randomUUID() });
    response.flushHeaders();
    watchers.add(response);
    request.on("close", () => watchers.delete(response));
    return;
  }
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", async () => {
    const route = routes.get(`${request.method} ${path}`);
    if (!route) {
      response.writeHead(404).end();
      return;
    }
    if (request.method === "POST") {
      const body = Buffer.concat(chunks);
      try {
        if (journal) await makeDurable(body);
      } catch {
        response.writeHead(500).end();
        return;
      }
      if (options.stream) broadcast(body);
    }
    response.writeHead(route.status, { "x-request-id": randomUUID(), "content-type": route.contentType, "content-length": route.body.length });
    response.end(route.body);
  });
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`listening ${server.address().port}\n`));
process.on("SIGTERM", () => {
  for (const response of watchers) response.destroy();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
});
