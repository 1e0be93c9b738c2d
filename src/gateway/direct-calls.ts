import { create, isMessage } from "@bufbuild/protobuf";
import type { DescMessage, DescMethod, DescMethodServerStreaming, DescMethodUnary, MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createConnectRouter, createContextValues, createMethodImplSpec, createServiceImplSpec } from "@connectrpc/connect";
import type { ConnectRouter, ContextValues, HandlerContext, Interceptor, StreamRequest, StreamResponse, UnaryRequest, UnaryResponse } from "@connectrpc/connect";

type Routes = (router: ConnectRouter) => void;
type Message = MessageShape<DescMessage>;

/** What a direct call needs from the HTTP request it serves; each part is made only when asked for. */
export interface CallScope {
  readonly requestHeader: Headers;
  /** Aborted when the client goes away or the daemon shuts down. */
  readonly signal: AbortSignal;
}

/** Calls one unary RPC's implementation, through its interceptors, with no encoding in between. */
export type DirectCall = (input: Message, scope: CallScope) => Promise<Message>;

/**
 * Starts one server-streaming RPC's implementation, through its interceptors; its messages as they come.
 * An error while they come may be any error: the caller turns it into a ConnectError (toHandlerError).
 */
export type DirectStream = (input: Message, scope: CallScope) => Promise<AsyncIterable<Message>>;

export interface DirectCalls {
  /** The router the routes were registered on: its handlers list the methods. */
  readonly router: ConnectRouter;
  /** The direct call of a unary method, when the routes registered one. */
  unary(method: DescMethod): DirectCall | undefined;
  /** The direct call of a server-streaming method, when the routes registered one. */
  serverStream(method: DescMethod): DirectStream | undefined;
}

/**
 * The unary implementations the routes register, callable in process the way connect-es's handlers call
 * them (the same interceptors, chosen the same way: a registration's own replace the router's; the output
 * normalized to a message), but without a wire format or a transport. The REST gateway has the request
 * message already, so encoding it, decoding it back and doing the same for the answer was pure cost.
 */
export function createDirectCalls(routes: Routes, options: { interceptors?: Interceptor[] } = {}): DirectCalls {
  const calls = new Map<DescMethod, DirectCall>();
  const streams = new Map<DescMethod, DirectStream>();
  const real = createConnectRouter();
  const add = (method: DescMethod, impl: unknown, interceptors: Interceptor[] | undefined) => {
    const chosen = interceptors ?? options.interceptors ?? [];
    if (method.methodKind === "unary") calls.set(method, directCall(method, impl as UnaryFn, chosen));
    if (method.methodKind === "server_streaming") streams.set(method, directStream(method, impl as StreamFn, chosen));
  };
  const router: ConnectRouter = {
    get handlers() {
      return real.handlers;
    },
    service(service, implementation, serviceOptions) {
      real.service(service, implementation, serviceOptions);
      const spec = createServiceImplSpec(service, implementation);
      for (const method of Object.values(spec.methods)) add(method.method, method.impl, serviceOptions?.interceptors);
      return router;
    },
    rpc(method, implementation, rpcOptions) {
      real.rpc(method, implementation, rpcOptions);
      const spec = createMethodImplSpec(method, implementation);
      add(spec.method, spec.impl, rpcOptions?.interceptors);
      return router;
    },
  };
  routes(router);
  return { router, unary: (method) => calls.get(method), serverStream: (method) => streams.get(method) };
}

type UnaryFn = (input: Message, context: HandlerContext) => Promise<unknown> | unknown;
type StreamFn = (input: Message, context: HandlerContext) => AsyncIterable<unknown>;
type AnyFn = (req: UnaryRequest) => Promise<UnaryResponse>;
type AnyStreamFn = (req: StreamRequest) => Promise<StreamResponse>;

function directCall(method: DescMethod, impl: UnaryFn, interceptors: Interceptor[]): DirectCall {
  const unaryMethod = method as DescMethodUnary;
  const url = `http://in-process/${method.parent.typeName}/${method.name}`;
  if (interceptors.length === 0) {
    // Nothing to go through: the implementation itself, with one context object and no request or
    // response objects (their getters and promises were most of a small call's own cost).
    return async (input, scope) => {
      try {
        return normalize(method.output, await impl(input, new ScopeContext(method, url, scope)));
      } catch (error) {
        throw toHandlerError(error);
      }
    };
  }
  const innermost: AnyFn = async (req) => {
    const output = await impl(req.message, handlerContext(req));
    return callResponse(false, unaryMethod, normalize(method.output, output));
  };
  let next = innermost;
  for (const interceptor of [...interceptors].reverse()) next = interceptor(next as never) as AnyFn;
  return async (input, scope) => {
    try {
      return (await next(callRequest(false, unaryMethod, url, input, scope))).message;
    } catch (error) {
      throw toHandlerError(error);
    }
  };
}

function directStream(method: DescMethod, impl: StreamFn, interceptors: Interceptor[]): DirectStream {
  const streamMethod = method as DescMethodServerStreaming;
  const url = `http://in-process/${method.parent.typeName}/${method.name}`;
  const innermost: AnyStreamFn = async (req) => {
    let input: Message | undefined;
    for await (const message of req.message) input = message;
    if (input === undefined) throw new ConnectError("protocol error: missing input message for server-streaming method", Code.InvalidArgument);
    const output = impl(input, handlerContext(req));
    return callResponse(true, streamMethod, normalizeAll(method.output, output));
  };
  let next = innermost;
  for (const interceptor of [...interceptors].reverse()) next = interceptor(next as never) as AnyStreamFn;
  return async (input, scope) => {
    try {
      return (await next(callRequest(true, streamMethod, url, single(input), scope))).message;
    } catch (error) {
      throw toHandlerError(error);
    }
  };
}

/** What connect-es's handlers answer for anything that is not a ConnectError (its cause stays attached). */
export function toHandlerError(error: unknown): ConnectError {
  return error instanceof ConnectError ? error : new ConnectError("internal error", Code.Internal, undefined, undefined, error);
}

async function* normalizeAll(desc: DescMessage, messages: AsyncIterable<unknown>): AsyncIterable<Message> {
  for await (const message of messages) yield normalize(desc, message);
}

async function* single(message: Message): AsyncIterable<Message> {
  yield message;
}

function normalize(desc: DescMessage, output: unknown): Message {
  return isMessage(output, desc) ? output : create(desc, output as never);
}

// Plain objects with getters (own, enumerable properties), so that an interceptor that spreads a request
// (`next({ ...req, header })`) keeps every part; the getters make headers, signal and values on first use.

function callRequest(stream: false, method: DescMethodUnary, url: string, message: Message, scope: CallScope): UnaryRequest;
function callRequest(stream: true, method: DescMethodServerStreaming, url: string, message: AsyncIterable<Message>, scope: CallScope): StreamRequest;
function callRequest(stream: boolean, method: DescMethod, url: string, message: unknown, scope: CallScope): UnaryRequest | StreamRequest {
  let values: ContextValues | undefined;
  return {
    stream,
    service: method.parent,
    method,
    requestMethod: "POST",
    url,
    message,
    get header() {
      return scope.requestHeader;
    },
    get signal() {
      return scope.signal;
    },
    get contextValues() {
      values ??= createContextValues();
      return values;
    },
  } as UnaryRequest | StreamRequest;
}

function callResponse(stream: false, method: DescMethodUnary, message: Message): UnaryResponse;
function callResponse(stream: true, method: DescMethodServerStreaming, message: AsyncIterable<Message>): StreamResponse;
function callResponse(stream: boolean, method: DescMethod, message: unknown): UnaryResponse | StreamResponse {
  let header: Headers | undefined;
  let trailer: Headers | undefined;
  return {
    stream,
    service: method.parent,
    method,
    message,
    get header() {
      header ??= new Headers();
      return header;
    },
    get trailer() {
      trailer ??= new Headers();
      return trailer;
    },
  } as UnaryResponse | StreamResponse;
}

/** The HandlerContext of a call without interceptors: the request's parts straight from its scope, each made on first use. */
class ScopeContext implements HandlerContext {
  readonly protocolName = "rest";
  readonly requestMethod = "POST";
  private values_: ContextValues | undefined;
  private responseHeader_: Headers | undefined;
  private responseTrailer_: Headers | undefined;

  constructor(
    readonly method: DescMethod,
    readonly url: string,
    private readonly scope: CallScope,
  ) {}

  get service() {
    return this.method.parent;
  }
  get signal() {
    return this.scope.signal;
  }
  get requestHeader() {
    return this.scope.requestHeader;
  }
  get values() {
    return (this.values_ ??= createContextValues());
  }
  get responseHeader() {
    return (this.responseHeader_ ??= new Headers());
  }
  get responseTrailer() {
    return (this.responseTrailer_ ??= new Headers());
  }
  timeoutMs(): undefined {
    return undefined;
  }
}

/** The HandlerContext an implementation gets, from the request its interceptors passed on. */
function handlerContext(req: UnaryRequest | StreamRequest): HandlerContext {
  let responseHeader: Headers | undefined;
  let responseTrailer: Headers | undefined;
  return {
    method: req.method,
    service: req.service,
    protocolName: "rest",
    requestMethod: req.requestMethod,
    url: req.url,
    timeoutMs: () => undefined,
    get signal() {
      return req.signal;
    },
    get requestHeader() {
      return req.header;
    },
    get values() {
      return req.contextValues;
    },
    get responseHeader() {
      responseHeader ??= new Headers();
      return responseHeader;
    },
    get responseTrailer() {
      responseTrailer ??= new Headers();
      return responseTrailer;
    },
  };
}
