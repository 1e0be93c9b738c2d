import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import { restCases, rpcCases, type RestCase, type RpcCase } from "./api-surface.js";

// Random and mutated requests for the fuzz test. Everything comes from one seeded generator, so a seed
// always produces the same sequence of requests: a failure names its seed and request number.

/** mulberry32: small, fast, good enough to drive a fuzzer, and identical on every platform. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
    bytes: (length) => Buffer.from(Array.from({ length }, () => Math.floor(next() * 256))),
  };
  return random;
}

export interface Random {
  next(): number;
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  bytes(length: number): Buffer;
}

export type Channel = "h1" | "h2" | "raw";

export interface FuzzRequest {
  readonly channel: Channel;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
  /** Raw bytes for the "raw" channel: possibly not even HTTP. */
  readonly raw?: Buffer;
  /** What the request was built from, for the failure report. */
  readonly label: string;
  /** The body is over the daemon's limit, so the server may close the connection before reading it all. */
  readonly oversized: boolean;
  readonly streaming: boolean;
}

export interface FuzzContext {
  readonly token: string;
  readonly port: number;
  readonly maxBodyBytes: number;
  /** Real ids and paths, so that many requests reach deep into the services. */
  readonly ids: Record<string, string[]>;
  readonly projectDirs: string[];
  readonly allowedOrigin: string;
}

const STRINGS = [
  "", " ", "x", "hello world", "naïve ünïcode ✓", "日本語", "\u202eevil", "e\u0301", "🙂", "null", "true", "0", "-1",
  "{}", "[]", "../..", "..", "/", "//", "%2e%2e", "%00", "\u0000", "\u001b[31m", "\u001b]0;t\u0007", "\u009b", "\r\n",
  "\t", "a\nb", "C-c", "Enter", "$(id)", "`id`", "; rm -rf ~", "<script>alert(1)</script>", "' OR 1=1 --", "%s%n",
  "x".repeat(300), "y".repeat(70_000), "high", "low", "critical", "PROJECT_STATE_IDLE", "shell", "claude-code", "*",
];

const NUMBERS: unknown[] = [0, 1, -1, 2 ** 31, 2 ** 53, -(2 ** 63), 1.5, 1e308, "NaN", "Infinity", "12", "0x10", "", null];

function randomString(r: Random, ctx: FuzzContext): string {
  const roll = r.next();
  if (roll < 0.3) {
    const all = Object.values(ctx.ids).flat();
    return all.length > 0 ? r.pick(all) : "x";
  }
  if (roll < 0.4) return r.pick(ctx.projectDirs);
  if (roll < 0.85) return r.pick(STRINGS);
  return Array.from({ length: r.int(1, 40) }, () => String.fromCodePoint(r.pick([r.int(0, 0x7f), r.int(0x80, 0x2fff), r.int(0x1f300, 0x1f64f)]))).join("");
}

function fieldName(field: DescField, r: Random): string {
  return r.chance(0.85) ? field.name : r.chance(0.5) ? field.jsonName : `${field.name}_x`;
}

function scalarValue(type: ScalarType, r: Random, ctx: FuzzContext): unknown {
  if (r.chance(0.1)) return r.pick<unknown>([null, {}, [], true, "x", 1]);
  switch (type) {
    case ScalarType.STRING:
      return randomString(r, ctx);
    case ScalarType.BOOL:
      return r.pick<unknown>([true, false, "true", "yes", 1]);
    case ScalarType.BYTES:
      return r.pick<unknown>(["", "AAAA", "!!", r.bytes(8).toString("base64")]);
    default:
      return r.pick(NUMBERS);
  }
}

function messageValue(message: DescMessage, r: Random, ctx: FuzzContext, depth: number): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const field of message.fields) {
    if (!r.chance(0.7)) continue;
    json[fieldName(field, r)] = fieldValue(field, r, ctx, depth);
  }
  if (r.chance(0.05)) json[randomString(r, ctx).slice(0, 20) || "unknown"] = "surprise";
  return json;
}

function fieldValue(field: DescField, r: Random, ctx: FuzzContext, depth: number): unknown {
  const single = (): unknown => {
    if (field.fieldKind === "scalar" || (field.fieldKind === "list" && field.listKind === "scalar")) {
      return scalarValue(field.scalar ?? ScalarType.STRING, r, ctx);
    }
    if (field.fieldKind === "enum" || (field.fieldKind === "list" && field.listKind === "enum")) {
      const values = field.enum?.values ?? [];
      return r.pick<unknown>([...values.map((value) => value.name), ...values.map((value) => value.number), "NOPE", 99, -1, null]);
    }
    const nested = field.fieldKind === "message" ? field.message : field.fieldKind === "list" && field.listKind === "message" ? field.message : undefined;
    if (nested !== undefined && depth < 3) {
      if (nested.typeName === "google.protobuf.Struct") return deepJson(r, ctx, r.int(0, 4));
      if (nested.typeName === "google.protobuf.Timestamp") return r.pick(["2026-01-01T00:00:00Z", "yesterday", "9999-99-99T99:99:99Z", 5]);
      return messageValue(nested, r, ctx, depth + 1);
    }
    return r.pick<unknown>([{}, null, "x"]);
  };
  if (field.fieldKind === "list") return r.chance(0.1) ? single() : Array.from({ length: r.int(0, 4) }, single);
  if (field.fieldKind === "map") return r.chance(0.2) ? "not-a-map" : { [randomString(r, ctx).slice(0, 10)]: randomString(r, ctx) };
  return single();
}

function deepJson(r: Random, ctx: FuzzContext, depth: number): unknown {
  if (depth === 0) return r.pick<unknown>([randomString(r, ctx), 1, true, null]);
  return r.chance(0.5)
    ? Object.fromEntries(Array.from({ length: r.int(0, 3) }, () => [randomString(r, ctx).slice(0, 12), deepJson(r, ctx, depth - 1)]))
    : Array.from({ length: r.int(0, 3) }, () => deepJson(r, ctx, depth - 1));
}

/** A JSON body for a request message, sometimes broken on purpose. */
function jsonBody(message: DescMessage, r: Random, ctx: FuzzContext): Buffer {
  const roll = r.next();
  if (roll < 0.6) return Buffer.from(JSON.stringify(messageValue(message, r, ctx, 0)));
  if (roll < 0.7) return mutate(Buffer.from(JSON.stringify(messageValue(message, r, ctx, 0))), r);
  if (roll < 0.75) return Buffer.from(`${"[".repeat(r.int(100, 50_000))}${"]".repeat(r.int(0, 100))}`);
  if (roll < 0.8) return Buffer.from(`{"payload":${'{"a":'.repeat(2000)}1${"}".repeat(2000)}}`);
  if (roll < 0.85) return r.bytes(r.int(0, 200));
  if (roll < 0.9) return Buffer.from(r.pick(["", "null", "[]", "1", '"x"', "{", '{"a":1}{"b":2}', "\ufeff{}", "{\u0000}"]));
  if (roll < 0.95) return Buffer.from(JSON.stringify({ content: "z".repeat(ctx.maxBodyBytes + r.int(1, 5000)) }));
  return Buffer.from(JSON.stringify(deepJson(r, ctx, 4)));
}

/** Flips, inserts, deletes or truncates bytes. */
export function mutate(input: Buffer, r: Random): Buffer {
  const bytes = [...input];
  for (let i = r.int(1, 4); i > 0 && bytes.length > 0; i--) {
    const at = r.int(0, bytes.length - 1);
    switch (r.int(0, 3)) {
      case 0:
        bytes[at] = r.int(0, 255);
        break;
      case 1:
        bytes.splice(at, 0, ...r.bytes(r.int(1, 4)));
        break;
      case 2:
        bytes.splice(at, r.int(1, 4));
        break;
      default:
        bytes.length = at;
    }
  }
  return Buffer.from(bytes);
}

function restPath(route: RestCase, r: Random, ctx: FuzzContext): string {
  const values: Record<string, string> = {};
  for (const name of route.template.match(/\{([^}=]+)/g)?.map((part) => part.slice(1)) ?? []) {
    const known = ctx.ids[name] ?? [];
    values[name] = known.length > 0 && r.chance(0.6) ? r.pick(known) : randomString(r, ctx);
  }
  let path = route.path(values);
  if (r.chance(0.15)) path = mutatePath(path, r);
  return path;
}

function mutatePath(path: string, r: Random): string {
  switch (r.int(0, 9)) {
    case 0:
      return `${path}/`;
    case 1:
      return path.replace(/\//g, "//");
    case 2:
      return `${path}/../../${r.pick(["etc/passwd", "api/projects", "api/health/acknowledge"])}`;
    case 3:
      return `${path}/%2e%2e/%2e%2e/api/projects`;
    case 4:
      return path.toUpperCase();
    case 5:
      return `${path}%00`;
    case 6:
      return `${path}/${"a".repeat(r.int(100, 9000))}`;
    case 7:
      return path.replace(/\/[^/]*$/, `/${r.pick(["%", "%zz", "%ff%fe", "%C0%AE", ";x", ":verb", "~", "%2F"])}`);
    case 8:
      return `/${path.split("/").filter(Boolean).reverse().join("/")}`;
    default:
      return path.slice(0, r.int(1, path.length));
  }
}

function queryString(message: DescMessage, r: Random, ctx: FuzzContext): string {
  const parts: string[] = [];
  for (let i = r.int(0, 3); i > 0; i--) {
    const field = message.fields.length > 0 && r.chance(0.8) ? r.pick(message.fields) : undefined;
    const name = field ? fieldName(field, r) : r.pick(["unknown", "a.b", "", "__proto__", "constructor", "x[]"]);
    const value = field ? fieldValue(field, r, ctx, 2) : randomString(r, ctx);
    const text = typeof value === "string" ? value : JSON.stringify(value) ?? "";
    parts.push(`${encodeURIComponent(name)}=${r.chance(0.9) ? encodeURIComponent(text) : r.pick(["%", "%zz", "a=b=c", "%E2%82"])}`);
  }
  if (r.chance(0.05)) parts.push("&&=&");
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}

function headers(r: Random, ctx: FuzzContext, contentType: string | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  const auth = r.next();
  if (auth < 0.88) result.authorization = `Bearer ${ctx.token}`;
  else if (auth < 0.92) result.authorization = `Bearer ${mutate(Buffer.from(ctx.token), r).toString("latin1").replace(/[^\x21-\x7e]/g, "x")}`;
  else if (auth < 0.95) result.authorization = r.pick(["Bearer", "Basic Zm9vOmJhcg==", "bearer  " + ctx.token, `Bearer ${ctx.token} extra`, "x".repeat(5000)]);
  if (contentType !== undefined) result["content-type"] = contentType;
  if (r.chance(0.05)) result["content-type"] = r.pick(["text/plain", "application/x-www-form-urlencoded", "application/xml", "application/json; charset=latin1", "application/grpc", "application/connect+json", "multipart/form-data", "*/*", ";;;"]);
  if (r.chance(0.05)) result.origin = r.pick(["https://evil.example", "null", ctx.allowedOrigin, "http://localhost"]);
  if (r.chance(0.04)) result.host = r.pick(["attacker.example", `localhost:${ctx.port}`, "", "[::1]", "127.0.0.1:1", "a".repeat(300)]);
  if (r.chance(0.1)) result.accept = r.pick(["text/event-stream", "application/x-ndjson", "*/*", "application/json"]);
  if (r.chance(0.05)) result["last-event-id"] = r.pick(["0", "5", "-1", "abc", "99999999999999999999999", ""]);
  if (r.chance(0.05)) result["x-request-id"] = r.pick(["id-1", "x".repeat(2000), "../../", ""]);
  if (r.chance(0.03)) result["content-encoding"] = r.pick(["gzip", "br", "deflate", "identity", "zstd"]);
  if (r.chance(0.03)) result["connect-protocol-version"] = r.pick(["1", "2", "x"]);
  if (r.chance(0.02)) result["access-control-request-method"] = "POST";
  return result;
}

function envelope(flags: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(flags, 0);
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

const ODD_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE", "FOO"];

function restRequest(route: RestCase, r: Random, ctx: FuzzContext, channel: Channel): FuzzRequest {
  const method = r.chance(0.05) ? r.pick(ODD_METHODS) : route.httpMethod;
  const path = restPath(route, r, ctx) + (route.hasBody && r.chance(0.8) ? "" : queryString(route.method.input, r, ctx));
  const body = route.hasBody || r.chance(0.05) ? jsonBody(route.method.input, r, ctx) : undefined;
  return {
    channel,
    method,
    path,
    headers: headers(r, ctx, body === undefined ? undefined : "application/json"),
    body,
    label: `REST ${route.httpMethod} ${route.template}`,
    oversized: (body?.length ?? 0) > ctx.maxBodyBytes,
    streaming: route.streaming,
  };
}

function rpcRequest(rpc: RpcCase, r: Random, ctx: FuzzContext, channel: Channel): FuzzRequest {
  const json = () => jsonBody(rpc.method.input, r, ctx);
  const style = r.pick(["connect-json", "connect-proto", "connect-get", "connect-stream", "grpc-web", "grpc"] as const);
  let method = "POST";
  let path = rpc.path;
  let contentType: string | undefined;
  let body: Buffer | undefined;
  switch (style) {
    case "connect-json":
      contentType = "application/json";
      body = json();
      break;
    case "connect-proto":
      contentType = "application/proto";
      body = r.bytes(r.int(0, 64));
      break;
    case "connect-get":
      method = "GET";
      path = `${rpc.path}?connect=v1&encoding=${r.pick(["json", "proto", "xml"])}&message=${encodeURIComponent(json().toString("utf8").slice(0, 2000))}${r.chance(0.3) ? "&base64=1" : ""}`;
      break;
    case "connect-stream":
      contentType = r.pick(["application/connect+json", "application/connect+proto"]);
      body = r.chance(0.8) ? envelope(r.pick([0, 0, 1, 2, 0x80]), json()) : r.bytes(r.int(0, 40));
      break;
    case "grpc-web":
      contentType = r.pick(["application/grpc-web+proto", "application/grpc-web", "application/grpc-web+json", "application/grpc-web-text"]);
      body = r.chance(0.8) ? envelope(r.pick([0, 0, 1, 0x80]), r.bytes(r.int(0, 64))) : r.bytes(r.int(0, 40));
      break;
    case "grpc":
      contentType = r.pick(["application/grpc", "application/grpc+proto", "application/grpc+json"]);
      body = r.chance(0.8) ? envelope(r.pick([0, 0, 1]), contentType.endsWith("json") ? json() : r.bytes(r.int(0, 64))) : r.bytes(r.int(0, 40));
      break;
  }
  const extra = headers(r, ctx, contentType);
  if (style === "grpc") extra.te = "trailers";
  return {
    channel: style === "grpc" ? "h2" : channel,
    method,
    path,
    headers: extra,
    body,
    label: `RPC ${style} ${rpc.path}`,
    oversized: (body?.length ?? 0) > ctx.maxBodyBytes,
    streaming: rpc.streaming,
  };
}

const RAW_GARBAGE = [
  "\x00\x01\x02\x03",
  "GET / HTTP/1.1\r\n\r\n",
  "GET /api/health HTTP/1.1\r\nHost: localhost\r\nContent-Length: -5\r\n\r\n",
  "POST /api/projects HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
  "POST /api/projects HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  "GET /api/health HTTP/1.1\r\nHost: localhost\r\nX: " + "a".repeat(20_000) + "\r\n\r\n",
  "GET /api/health HTTP/9.9\r\nHost: localhost\r\n\r\n",
  "GET /api/health\r\n\r\n",
  "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x04\x08\x00\x00\x00\x00\x00garbage",
  "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
  "GET /api/changes HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n",
];

function rawRequest(r: Random, ctx: FuzzContext): FuzzRequest {
  const base = Buffer.from(r.pick(RAW_GARBAGE), "latin1");
  const raw = r.chance(0.5) ? mutate(base, r) : base;
  return { channel: "raw", method: "RAW", path: "", headers: {}, raw, label: `raw ${JSON.stringify(raw.subarray(0, 40).toString("latin1"))}`, oversized: true, streaming: false };
}

/** The n-th request of the sequence for this generator. */
export function nextFuzzRequest(r: Random, ctx: FuzzContext): FuzzRequest {
  const channel: Channel = r.chance(0.2) ? "h2" : "h1";
  const roll = r.next();
  let request: FuzzRequest;
  if (roll < 0.55) request = restRequest(r.pick(REST_CASES), r, ctx, channel);
  else if (roll < 0.9) request = rpcRequest(r.pick(RPC_CASES), r, ctx, channel);
  else if (roll < 0.97) {
    const route = r.pick(REST_CASES);
    request = { ...restRequest(route, r, ctx, channel), path: mutatePath(mutatePath(route.path(), r), r), label: `mutated path from ${route.template}` };
  } else return rawRequest(r, ctx);
  if (request.channel === "h2" && request.headers.host === "") {
    // An empty :authority is refused by the HTTP/2 client library itself; send none instead.
    const { host: _, ...headers } = request.headers;
    request = { ...request, headers };
  }
  // Request lines and headers beyond Node's limits (16 KiB) are refused by the HTTP layer (431, or a
  // reset while the client still writes): client faults like an oversized body.
  const headerBytes = request.path.length + Object.entries(request.headers).reduce((sum, [name, value]) => sum + name.length + value.length, 0);
  return headerBytes > 8 * 1024 ? { ...request, oversized: true } : request;
}

const REST_CASES = restCases();
const RPC_CASES = rpcCases();
