import { fromBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, Http2SessionManager } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { EventSource } from "eventsource";
import { EventStatus, EventType } from "../../../gen/es/commander/v1/event_pb.js";
import { SessionState } from "../../../gen/es/commander/v1/session_pb.js";
import { ChangeKind, WatchService, type Change } from "../../../gen/es/commander/v1/watch_service_pb.js";
import { WorkState } from "../../../gen/es/commander/v1/work_item_pb.js";
import { WatchServiceClient, type WatchChangesResponse as TsWatchChangesResponse } from "../../../gen/tsproto/commander/v1/watch_service.js";
import { ErrorInfoSchema } from "../../../gen/es/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../../gen/es/google/rpc/status_pb.js";
import { waitFor } from "../../support/wait-for.js";

// One watcher shape for every way of calling WatchChanges (Connect, @grpc/grpc-js, SSE through fetch or
// a standard EventSource, NDJSON through fetch), so that a scenario can run over each and the results be
// compared change for change.

/** A change as every protocol can express it. */
export interface SeenChange {
  seq: number;
  /** Lower-case word: `work_changed`, `event_created`, ... */
  kind: string;
  projectId: string;
  /** The id of the record the change carries. */
  subjectId: string;
  /** For event changes: the event's type and status words (`approval`, `pending`). */
  eventType?: string;
  eventStatus?: string;
  /** For work and session changes: their state word. */
  state?: string;
  /** The change's own time and when this client received it (ms since the epoch). */
  time: number;
  receivedAt: number;
}

/** How a stream ended: its gRPC code (0 for a clean end), and the ErrorInfo it carried. */
export interface StreamEnd {
  code: number;
  message: string;
  reason?: string;
  metadata: Record<string, string>;
}

export interface ChangeWatcher {
  readonly protocol: string;
  readonly changes: SeenChange[];
  /** Resolves when the stream ends, however it ends. */
  readonly ended: Promise<StreamEnd>;
  /** Waits until a change satisfies `predicate`, and returns it. */
  until(predicate: (change: SeenChange) => boolean, what: string, timeoutMs?: number): Promise<SeenChange>;
  /** Cancels the call from the client side. */
  cancel(): void;
}

export interface WatchRequest {
  projectId?: string;
  /** Kind words, as in REST: `work_changed`. */
  kinds?: string[];
  afterSeq?: number;
}

const enumWord = (name: string) => name.toLowerCase();
const kindNumber = (word: string): ChangeKind => ChangeKind[word.toUpperCase() as keyof typeof ChangeKind];

function makeWatcher(protocol: string, changes: SeenChange[], ended: Promise<StreamEnd>, cancel: () => void): ChangeWatcher {
  return {
    protocol,
    changes,
    ended,
    cancel,
    until: (predicate, what, timeoutMs = 10_000) =>
      waitFor(() => changes.find(predicate), { timeoutMs, intervalMs: 10, what: `${protocol}: ${what} (seen ${changes.map((c) => `${c.seq}:${c.kind}`).join(" ")})` }),
  };
}

// ---- Connect -------------------------------------------------------------------------------------

/** A Connect client over its own HTTP/2 connection, so one stalled watcher cannot stall another. */
export function connectClient(baseUrl: string): { watch: ReturnType<typeof createClient<typeof WatchService>>; close(): void } {
  const sessionManager = new Http2SessionManager(baseUrl);
  const watch = createClient(WatchService, createConnectTransport({ baseUrl, httpVersion: "2", sessionManager }));
  return { watch, close: () => sessionManager.abort() };
}

export function fromConnectChange(change: Change): SeenChange {
  const subject = change.subject;
  const seen: SeenChange = {
    seq: Number(change.seq),
    kind: enumWord(ChangeKind[change.kind]),
    projectId: change.projectId,
    subjectId: subject.value?.id ?? "",
    time: change.time ? Number(change.time.seconds) * 1000 + Math.floor(change.time.nanos / 1e6) : 0,
    receivedAt: Date.now(),
  };
  if (subject.case === "event") {
    seen.eventType = String(subject.value.type);
    seen.eventStatus = String(subject.value.status);
  }
  if (subject.case === "workItem" || subject.case === "session") seen.state = String(subject.value.state);
  return seen;
}

export function connectEnd(error: unknown): StreamEnd {
  const connectError = ConnectError.from(error);
  const info = connectError.findDetails(ErrorInfoSchema)[0];
  return { code: connectError.code, message: connectError.rawMessage, reason: info?.reason, metadata: { ...(info?.metadata ?? {}) } };
}

/** Watches over Connect, pulling as fast as changes come. */
export function watchOverConnect(baseUrl: string, request: WatchRequest): ChangeWatcher {
  const client = connectClient(baseUrl);
  const controller = new AbortController();
  const changes: SeenChange[] = [];
  const ended = (async (): Promise<StreamEnd> => {
    try {
      const stream = client.watch.watchChanges(
        { projectId: request.projectId ?? "", kinds: (request.kinds ?? []).map(kindNumber), afterSeq: BigInt(request.afterSeq ?? 0) },
        { signal: controller.signal },
      );
      for await (const response of stream) changes.push(fromConnectChange(response.change!));
      return { code: 0, message: "", metadata: {} };
    } catch (error) {
      return connectEnd(error);
    } finally {
      client.close();
    }
  })();
  return makeWatcher("Connect", changes, ended, () => controller.abort());
}

// ---- @grpc/grpc-js -------------------------------------------------------------------------------

export function grpcEnd(error: grpc.ServiceError | grpc.StatusObject): StreamEnd {
  const [raw] = error.metadata?.get("grpc-status-details-bin") ?? [];
  let reason: string | undefined;
  let metadata: Record<string, string> = {};
  if (raw !== undefined) {
    for (const detail of fromBinary(StatusSchema, raw as Buffer).details) {
      const info = anyUnpack(detail, ErrorInfoSchema);
      if (info) {
        reason = info.reason;
        metadata = { ...info.metadata };
      }
    }
  }
  return { code: error.code, message: error.details, reason, metadata };
}

/** Watches over gRPC with the ts-proto @grpc/grpc-js stub (its own channel). */
export function watchOverGrpc(port: number, request: WatchRequest): ChangeWatcher {
  const client = new WatchServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = client.watchChanges({
    projectId: request.projectId ?? "",
    kinds: (request.kinds ?? []).map(kindNumber) as number[],
    afterSeq: BigInt(request.afterSeq ?? 0),
  });
  const changes: SeenChange[] = [];
  call.on("data", (response: TsWatchChangesResponse) => {
    const change = response.change!;
    const subject = change.event ?? change.workItem ?? change.session ?? change.project ?? change.message;
    changes.push({
      seq: Number(change.seq),
      kind: enumWord(ChangeKind[change.kind as number]),
      projectId: change.projectId,
      subjectId: subject?.id ?? "",
      eventType: change.event ? String(change.event.type) : undefined,
      eventStatus: change.event ? String(change.event.status) : undefined,
      state: change.workItem ? String(change.workItem.state) : change.session ? String(change.session.state) : undefined,
      time: change.time?.getTime() ?? 0,
      receivedAt: Date.now(),
    });
  });
  const ended = new Promise<StreamEnd>((resolve) => {
    // grpc-js reports a failed call as "error" and every call's final status as "status".
    call.on("error", (error: grpc.ServiceError) => resolve(grpcEnd(error)));
    call.on("status", (status: grpc.StatusObject) => resolve(grpcEnd(status)));
  }).finally(() => client.close());
  return makeWatcher("grpc-js", changes, ended, () => call.cancel());
}

// ---- REST: SSE and NDJSON through fetch ----------------------------------------------------------

function restQuery(request: WatchRequest): string {
  const query = new URLSearchParams();
  if (request.projectId) query.set("project_id", request.projectId);
  for (const kind of request.kinds ?? []) query.append("kinds", kind);
  if (request.afterSeq) query.set("after_seq", String(request.afterSeq));
  const text = query.toString();
  return text === "" ? "" : `?${text}`;
}

/** A REST change (proto JSON with proto field names and enum words) in the common shape. */
export function fromRestChange(change: any): SeenChange {
  const subject = change.event ?? change.work_item ?? change.session ?? change.project ?? change.message;
  return {
    seq: Number(change.seq),
    kind: change.kind,
    projectId: change.project_id,
    subjectId: subject?.id ?? "",
    eventType: change.event ? String(kindNumberOfEvent(change.event.type)) : undefined,
    eventStatus: change.event ? String(eventStatusNumber(change.event.status)) : undefined,
    state: change.work_item ? String(workStateNumber(change.work_item.state)) : change.session ? String(sessionStateNumber(change.session.state)) : undefined,
    time: Date.parse(change.time),
    receivedAt: Date.now(),
  };
}

// REST speaks enum words; the RPC shapes above keep numbers. These turn words into the numbers.
const kindNumberOfEvent = (word: string) => EventType[word.toUpperCase() as keyof typeof EventType];
const eventStatusNumber = (word: string) => EventStatus[word.toUpperCase() as keyof typeof EventStatus];
const workStateNumber = (word: string) => WorkState[word.toUpperCase() as keyof typeof WorkState];
const sessionStateNumber = (word: string) => SessionState[word.toUpperCase() as keyof typeof SessionState];

function restStatusEnd(status: any): StreamEnd {
  const info = (status?.details ?? []).find((detail: any) => detail["@type"] === "type.googleapis.com/google.rpc.ErrorInfo");
  return { code: status?.code ?? 2, message: status?.message ?? "", reason: info?.reason, metadata: { ...(info?.metadata ?? {}) } };
}

export interface RestWatchOptions {
  /** Extra request headers, e.g. `Last-Event-ID`. */
  headers?: Record<string, string>;
  path?: string;
}

/**
 * Watches over REST with fetch: Server-Sent Events (`sse`) or newline-delimited JSON. `ended` also
 * resolves (with the HTTP status as `code`, negative) when the daemon answers with an error status.
 */
export function watchOverRest(baseUrl: string, request: WatchRequest, format: "sse" | "ndjson", options: RestWatchOptions = {}): ChangeWatcher & {
  /** The raw text received, keep-alive comments included. */
  text(): string;
  /** The SSE `id:` of each message, in order. */
  ids: string[];
} {
  const controller = new AbortController();
  const changes: SeenChange[] = [];
  const ids: string[] = [];
  let raw = "";
  const ended = (async (): Promise<StreamEnd> => {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${options.path ?? "/api/changes"}${restQuery(request)}`, {
        headers: { ...(format === "sse" ? { accept: "text/event-stream" } : {}), ...options.headers },
        signal: controller.signal,
      });
    } catch (error) {
      return { code: Code.Unavailable, message: String(error), metadata: {} };
    }
    if (response.status !== 200) {
      const body = await response.json().catch(() => ({}));
      return { ...restStatusEnd(body), code: -response.status };
    }
    const decoder = new TextDecoder();
    let buffered = "";
    let end: StreamEnd = { code: 0, message: "", metadata: {} };
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true });
        raw += text;
        buffered += text;
        const separator = format === "sse" ? "\n\n" : "\n";
        let index: number;
        while ((index = buffered.indexOf(separator)) >= 0) {
          const block = buffered.slice(0, index);
          buffered = buffered.slice(index + separator.length);
          if (format === "ndjson") {
            if (block.trim() === "") continue;
            const line = JSON.parse(block);
            if (line.error) end = restStatusEnd(line.error);
            else changes.push(fromRestChange(line.result.change));
            continue;
          }
          let id: string | undefined;
          let event = "message";
          const data: string[] = [];
          for (const field of block.split("\n")) {
            if (field.startsWith("id: ")) id = field.slice(4);
            else if (field.startsWith("event: ")) event = field.slice(7);
            else if (field.startsWith("data: ")) data.push(field.slice(6));
          }
          if (data.length === 0) continue;
          const payload = JSON.parse(data.join("\n"));
          if (event === "error") end = restStatusEnd(payload);
          else {
            if (id !== undefined) ids.push(id);
            changes.push(fromRestChange(payload.change));
          }
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
      end = { code: Code.Canceled, message: "cancelled by the client", metadata: {} };
    }
    return end;
  })();
  return Object.assign(makeWatcher(format === "sse" ? "SSE (fetch)" : "NDJSON (fetch)", changes, ended, () => controller.abort()), {
    text: () => raw,
    ids,
  });
}

// ---- A standard EventSource ----------------------------------------------------------------------

export interface EventSourceWatcher extends ChangeWatcher {
  readonly source: EventSource;
  /** Every request the EventSource made: the Last-Event-ID it sent (null for none). */
  readonly requests: Array<{ lastEventId: string | null }>;
  /** The `event: error` statuses the daemon sent before closing a stream. */
  readonly streamErrors: StreamEnd[];
  /** Connection errors the EventSource reported (HTTP status `code` when it gave up). */
  readonly connectionErrors: Array<{ code?: number; message?: string }>;
  /** Ends the current response as if the connection dropped; the EventSource then reconnects by itself. */
  dropConnection(): void;
}

/**
 * A standard EventSource (the `eventsource` package, which follows the WHATWG spec and reconnects with
 * `Last-Event-ID`). Its fetch is wrapped only to record the requests and to let a test drop the
 * connection: the wrapper ends the response body, which to the EventSource is a dropped connection.
 */
export function watchWithEventSource(baseUrl: string, request: WatchRequest): EventSourceWatcher {
  const changes: SeenChange[] = [];
  const requests: Array<{ lastEventId: string | null }> = [];
  const streamErrors: StreamEnd[] = [];
  const connectionErrors: Array<{ code?: number; message?: string }> = [];
  let drop: (() => void) | undefined;
  let resolveEnded!: (end: StreamEnd) => void;
  const ended = new Promise<StreamEnd>((resolve) => (resolveEnded = resolve));

  const source = new EventSource(`${baseUrl}/api/events/stream${restQuery(request)}`, {
    fetch: async (url, init) => {
      const headers = new Headers(init?.headers as HeadersInit);
      requests.push({ lastEventId: headers.get("last-event-id") });
      const upstream = new AbortController();
      init?.signal?.addEventListener("abort", () => upstream.abort(), { once: true });
      const response = await fetch(url, { ...(init as RequestInit), signal: upstream.signal });
      if (response.body === null) return response;
      const reader = response.body.getReader();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          drop = () => {
            drop = undefined;
            upstream.abort();
            controller.close();
          };
        },
        async pull(controller) {
          try {
            const { done, value } = await reader.read();
            if (done) controller.close();
            else controller.enqueue(value);
          } catch (error) {
            if (!upstream.signal.aborted) controller.error(error);
          }
        },
        cancel: () => upstream.abort(),
      });
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    },
  });
  source.onmessage = (message) => changes.push(fromRestChange(JSON.parse(message.data).change));
  // The daemon's `event: error` frames are MessageEvents named "error"; the EventSource's own
  // connection errors are ErrorEvents (with `code` once it gives up).
  source.addEventListener("error", (event) => {
    const data = (event as MessageEvent).data;
    if (typeof data === "string") streamErrors.push(restStatusEnd(JSON.parse(data)));
    else {
      const { code, message } = event as { code?: number; message?: string };
      connectionErrors.push({ code, message });
      if (source.readyState === EventSource.CLOSED) resolveEnded({ code: -(code ?? 0), message: message ?? "", metadata: {} });
    }
  });
  const watcher = makeWatcher("EventSource", changes, ended, () => {
    source.close();
    resolveEnded({ code: Code.Canceled, message: "closed by the client", metadata: {} });
  });
  return Object.assign(watcher, {
    source,
    requests,
    streamErrors,
    connectionErrors,
    dropConnection: () => drop?.(),
  });
}
