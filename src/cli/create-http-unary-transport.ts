import { Agent, request, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { create, fromBinary, isMessage, toBinary, type DescMessage, type DescMethodUnary, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { appendHeaders, Code, ConnectError, type Transport, type UnaryResponse } from "@connectrpc/connect";
import { codeFromHttpStatus, errorFromJsonBytes, parseContentType, trailerDemux } from "./connect-protocol.js";

export interface HttpUnaryTransportOptions {
  /** The daemon's `http:` URL. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token: string | undefined;
  /** The transport for what this one leaves: streams, and unary calls with their own headers or a timeout. */
  fallback: () => Promise<Transport>;
}

/**
 * A Connect-protocol transport for unary calls (binary, uncompressed, HTTP/1.1 over `node:http`) that
 * touches neither `Headers` nor connect-node: on Node 20 the first `Headers` loads undici (about 15 ms),
 * and connect-node imports `http2`, `https` and `zlib`, which a command making one call or two pays for
 * at every start. It answers what connect-node's Connect transport answers: the same messages, and the
 * same `ConnectError`s (from the daemon's error JSON, from the HTTP status, or from a failed connection,
 * with the Node error as the cause). `Headers` are made only for an error or when a caller reads the
 * response's headers.
 */
export function createHttpUnaryTransport(options: HttpUnaryTransportOptions): Transport {
  // A command makes a call or two: an idle kept-alive connection would only hold the process open.
  const agent = new Agent({ keepAlive: false });
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: Parameters<Transport["unary"]>[5],
    ): Promise<UnaryResponse<I, O>> {
      if (timeoutMs !== undefined || header !== undefined) {
        return (await options.fallback()).unary(method, signal, timeoutMs, header, input, contextValues);
      }
      const message = isMessage(input, method.input) ? input : create(method.input, input as MessageInitShape<I>);
      const body = toBinary(method.input, message as MessageShape<I>);
      const url = `${baseUrl}/${method.parent.typeName}/${method.name}`;
      const res = await post(url, body, { agent, token: options.token, signal });
      return unaryResponse(method, res);
    },
    stream: async (...args) => (await options.fallback()).stream(...args),
  };
}

interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function post(url: string, body: Uint8Array, options: { agent: Agent; token: string | undefined; signal: AbortSignal | undefined }): Promise<HttpAnswer> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(ConnectError.from(signal.reason, Code.Canceled));
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {
      "content-type": "application/proto",
      "connect-protocol-version": "1",
      "content-length": body.byteLength,
    };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    let settled = false;
    const fail = (reason: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      reject(reason instanceof ConnectError ? reason : connectErrorFromNodeReason(reason));
      req.destroy();
    };
    const onAbort = () => fail(ConnectError.from(signal!.reason, Code.Canceled));
    const req = request(url, { method: "POST", headers, agent: options.agent }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", fail);
      // A connection closed before the whole body came (after "end", this does nothing).
      res.on("close", () => fail(Object.assign(new Error("aborted"), { code: "ECONNRESET" })));
      res.on("end", () => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    req.on("error", fail);
    signal?.addEventListener("abort", onAbort, { once: true });
    req.end(body);
  });
}

/** The response message, or the error the daemon answered, as connect-es's Connect transport reads them. */
function unaryResponse<I extends DescMessage, O extends DescMessage>(method: DescMethodUnary<I, O>, res: HttpAnswer): UnaryResponse<I, O> {
  const contentType = res.headers["content-type"];
  const parsedType = parseContentType(contentType ?? null);
  const encoding = res.headers["content-encoding"];
  if (encoding !== undefined && encoding.toLowerCase() !== "identity") {
    throw new ConnectError(`unsupported response encoding "${encoding}"`, Code.Internal, webHeaders(res.headers));
  }
  if (res.status !== 200) {
    const fromStatus = new ConnectError(`HTTP ${res.status}`, codeFromHttpStatus(res.status), webHeaders(res.headers));
    if (parsedType === undefined || parsedType.binary) throw fromStatus;
    // A unary error's body is the error JSON; its metadata, the headers and the `trailer-` headers.
    throw errorFromJsonBytes(res.body, appendHeaders(...trailerDemux(webHeaders(res.headers))), fromStatus);
  }
  if (parsedType?.binary !== true || parsedType.stream) {
    throw new ConnectError(`unsupported content type ${contentType ?? null}`, parsedType === undefined ? Code.Unknown : Code.Internal, webHeaders(res.headers));
  }
  const message = fromBinary(method.output, res.body);
  let demuxed: [Headers, Headers] | undefined;
  const headerAndTrailer = () => (demuxed ??= trailerDemux(webHeaders(res.headers)));
  return {
    stream: false,
    service: method.parent,
    method,
    message,
    get header() {
      return headerAndTrailer()[0];
    },
    get trailer() {
      return headerAndTrailer()[1];
    },
  };
}

function webHeaders(headers: IncomingHttpHeaders): Headers {
  const result = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) result.append(name, one);
  }
  return result;
}

/**
 * A failed connection as connect-node reports it (`connectErrorFromNodeReason`, not exported): a refused,
 * unresolvable or timed-out connection is UNAVAILABLE, a reset one ABORTED, anything else INTERNAL; the
 * Node error is the cause, which tells `isUnreachable` the daemon could not be reached.
 */
function connectErrorFromNodeReason(reason: unknown): ConnectError {
  const codes: string[] = [];
  for (let at: unknown = reason, depth = 0; at instanceof Error && depth < 10; at = at.cause, depth++) {
    const code = (at as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
  }
  let code = Code.Internal;
  if (codes.includes("ERR_STREAM_WRITE_AFTER_END")) code = Code.Aborted;
  else if (codes.some((c) => c === "ERR_STREAM_DESTROYED" || c === "ECONNRESET")) code = Code.Aborted;
  else if (codes.some((c) => c === "ETIMEDOUT" || c === "ENOTFOUND" || c === "EAI_AGAIN" || c === "ECONNREFUSED")) code = Code.Unavailable;
  const error = ConnectError.from(reason, code);
  if (error !== reason) error.cause = reason;
  return error;
}
