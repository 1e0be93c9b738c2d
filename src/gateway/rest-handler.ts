import { randomUUID } from "node:crypto";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";

import type { ConnectError } from "@connectrpc/connect";
import { toHandlerError, type DirectCalls } from "./direct-calls.js";
import type { NodeHandlerFn, NodeServerRequest, NodeServerResponse } from "./node-http-types.js";
import type { Logger } from "pino";
import { successStatusForRpc } from "./http-status.js";
import { readRequestBody } from "./read-request-body.js";
import { bindRestRequest } from "./request-binding.js";
import { requestTarget } from "./request-url.js";
import { ApiError } from "../errors/api-error.js";
import { asConnectError, restErrorHeaders, restErrorStatus, restStatusJson } from "./rest-errors.js";
import { restFieldBytes, restJsonBytes } from "./rest-json-bytes.js";
import { writeRestStream } from "./rest-stream.js";
import { clientGone, restCallScope } from "./rest-call-scope.js";
import type { Route, RouteTable } from "./route-table.js";
import { sequenceReader } from "./sequence-reader.js";

export interface RestHandlerOptions {
  /** The implementations the RPC side serves, callable in process. */
  readonly direct: DirectCalls;
  /** The REST routes of their methods (createRouteTable). */
  readonly table: RouteTable;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  /** Aborted when the daemon shuts down: open streams end with its reason (UNAVAILABLE). */
  readonly shutdownSignal?: AbortSignal;
  /** Interval of the SSE keep-alive comments; 15 s by default. */
  readonly sseKeepAliveMs?: number;
  /** How long a stream's headers wait for an early error (see writeRestStream); 100 ms by default. */
  readonly streamHeaderGraceMs?: number;
}

/**
 * The REST gateway: a Node request handler (the Connect adapter's `fallback`) that routes by the
 * `google.api.http` annotations of the registered RPCs (the route table) and calls their implementations
 * directly (createDirectCalls: the same interceptors and errors as RPC calls, without encoding the messages).
 */
export function createRestHandler(options: RestHandlerOptions): NodeHandlerFn {
  const log = options.logger.child({ component: "gateway" });
  const { direct, table } = options;
  // A message that many streams send (a change, to every watcher) is rendered once: by object identity.
  const streamed = new Map<Route, WeakMap<object, string>>();
  const renderStreamed = (route: Route, message: MessageShape<DescMessage>): string => {
    let texts = streamed.get(route);
    if (texts === undefined) streamed.set(route, (texts = new WeakMap()));
    let text = texts.get(message);
    if (text === undefined) texts.set(message, (text = renderResponse(route, message).toString("utf8")));
    return text;
  };
  const keepAliveMs = options.sseKeepAliveMs ?? 15_000;
  const headerGraceMs = options.streamHeaderGraceMs ?? 100;
  log.debug({ routes: table.routes.length }, "routes built");

  async function serve(req: NodeServerRequest, res: NodeServerResponse): Promise<void> {
    const started = log.isLevelEnabled("debug") ? performance.now() : 0;
    const requestId = firstHeader(req.headers["x-request-id"]) ?? randomUUID();
    const url = requestTarget(req.url);
    const httpMethod = (req.method ?? "GET").toUpperCase();
    const scope = restCallScope(req, res, requestId, options.shutdownSignal);
    const toError = (reason: unknown) =>
      asConnectError(reason, (unexpected) => log.error({ requestId, err: unexpected }, "unexpected gateway error"));
    try {
      if (url === undefined) {
        throw new ApiError("ROUTE_NOT_FOUND", `no route for ${httpMethod} ${req.url ?? ""}`);
      }
      const match = table.match(httpMethod, url.pathname);
      if (match.kind === "not-found") {
        throw new ApiError("ROUTE_NOT_FOUND", `no route for ${httpMethod} ${url.pathname}`);
      }
      if (match.kind === "method-not-allowed") {
        throw new ApiError("METHOD_NOT_ALLOWED", `${httpMethod} is not allowed on ${url.pathname}`, {
          headers: { allow: match.allow.join(", ") },
        });
      }
      const { route } = match;
      const body = route.body === "" ? Buffer.alloc(0) : await readRequestBody(req, options.maxBodyBytes);
      const input = bindRestRequest({
        route,
        pathValues: match.pathValues,
        query: url.searchParams,
        body,
        contentType: firstHeader(req.headers["content-type"]),
        lastEventId: firstHeader(req.headers["last-event-id"]),
      });
      const method = route.method;
      const call = direct.unary(method);
      if (call !== undefined) {
        const output = await call(input, scope);
        // A client that went away gets nothing; its call, which did not listen for that, has ended anyway.
        if (!clientGone(res)) writeUnary(res, route, output);
      } else {
        const stream = direct.serverStream(method);
        if (stream === undefined) throw new ApiError("ROUTE_NOT_FOUND", `no route for ${httpMethod} ${url.pathname}`);
        let closed = clientGone(res);
        res.once("close", () => (closed = true));
        // The call itself is started by the first read, so that writeRestStream sees an early error (the
        // implementation throwing before its first message) and a slow start alike.
        const messages = (async function* () {
          try {
            yield* await stream(input, scope);
          } catch (error) {
            throw toHandlerError(error);
          }
        })();
        const accept = firstHeader(req.headers.accept) ?? "";
        const eventId = sequenceReader(method.output);
        try {
          await writeRestStream({
            res,
            messages,
            sse: accept.includes("text/event-stream"),
            keepAliveMs,
            headerGraceMs,
            headers: { "x-request-id": requestId },
            render: (message) => renderStreamed(route, message),
            eventId,
            toError,
            isClosed: () => closed,
          });
        } finally {
          // A stream left suspended at a message the client will never read ends here; one waiting for its
          // next message ends when its signal (aborted as the client went away) wakes it.
          void messages.return(undefined).catch(() => undefined);
        }
      }
    } catch (reason) {
      if (!clientGone(res) && !res.headersSent) {
        writeError(req, res, toError(reason), requestId);
      }
    } finally {
      scope.dispose();
      if (log.isLevelEnabled("debug")) {
        const durationMs = Math.round((performance.now() - started) * 10) / 10;
        log.debug({ requestId, method: httpMethod, path: url?.pathname ?? req.url, status: res.statusCode, durationMs }, "request served");
      }
    }
  }

  return (req, res) => {
    // serve() answers every failure itself; this only keeps a bug from becoming an unhandled rejection.
    serve(req, res).catch((err: unknown) => log.error({ err }, "request failed unexpectedly"));
  };
}

// The request id header is already set on every response (server/with-request-log.ts).
function writeUnary(res: NodeServerResponse, route: Route, message: MessageShape<DescMessage>): void {
  const status = successStatusOf(route);
  if (status === 204) {
    res.writeHead(204);
    res.end();
    return;
  }
  writeJsonBytes(res, status, renderResponse(route, message), undefined);
}

const successStatuses = new WeakMap<Route, number>();

function successStatusOf(route: Route): number {
  let status = successStatuses.get(route);
  if (status === undefined) successStatuses.set(route, (status = successStatusForRpc(route.method.name)));
  return status;
}

/** The response as REST JSON, or only its `response_body` field (an unset message there is its default). */
function renderResponse(route: Route, message: MessageShape<DescMessage>): Buffer {
  const field = route.responseField;
  return field === undefined ? restJsonBytes(route.method.output, message) : restFieldBytes(field, message);
}

function writeError(req: NodeServerRequest, res: NodeServerResponse, err: ConnectError, requestId: string): void {
  const headers: Record<string, string> = { ...restErrorHeaders(err), "x-request-id": requestId };
  // An unread request body (too large, or refused early) would be parsed as the next request.
  if (req.httpVersionMajor === 1 && !req.complete && hasBody(req)) {
    headers.connection = "close";
  }
  writeJson(res, restErrorStatus(err), restStatusJson(err), headers);
}

function writeJson(res: NodeServerResponse, status: number, json: unknown, headers: Record<string, string>): void {
  writeJsonBytes(res, status, Buffer.from(JSON.stringify(json)), headers);
}

function writeJsonBytes(res: NodeServerResponse, status: number, body: Buffer, headers: Record<string, string> | undefined): void {
  res.writeHead(
    status,
    headers === undefined
      ? { "content-type": "application/json; charset=utf-8", "content-length": String(body.length) }
      : { ...headers, "content-type": "application/json; charset=utf-8", "content-length": String(body.length) },
  );
  res.end(body);
}

function hasBody(req: NodeServerRequest): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
