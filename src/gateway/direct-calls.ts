import { create, isMessage } from "@bufbuild/protobuf";
import type { DescMessage, DescMethod, DescMethodUnary, MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createConnectRouter, createContextValues, createMethodImplSpec, createServiceImplSpec } from "@connectrpc/connect";
import type { ConnectRouter, ContextValues, HandlerContext, Interceptor, UnaryRequest, UnaryResponse } from "@connectrpc/connect";

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

export interface DirectCalls {
  /** The router the routes were registered on: its handlers list the methods. */
  readonly router: ConnectRouter;
  /** The direct call of a unary method, when the routes registered one. */
  unary(method: DescMethod): DirectCall | undefined;
}

/**
 * The unary implementations the routes register, callable in process the way connect-es's handlers call
 * them (the same interceptors, chosen the same way: a registration's own replace the router's; the output
 * normalized to a message), but without a wire format or a transport. The REST gateway has the request
 * message already, so encoding it, decoding it back and doing the same for the answer was pure cost.
 */
export function createDirectCalls(routes: Routes, options: { interceptors?: Interceptor[] } = {}): DirectCalls {
  const calls = new Map<DescMethod, DirectCall>();
  const real = createConnectRouter();
  const add = (method: DescMethod, impl: unknown, interceptors: Interceptor[] | undefined) => {
    if (method.methodKind !== "unary") return;
    calls.set(method, directCall(method, impl as UnaryFn, interceptors ?? options.interceptors ?? []));
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
  return { router, unary: (method) => calls.get(method) };
}

type UnaryFn = (input: Message, context: HandlerContext) => Promise<unknown> | unknown;
type AnyFn = (req: UnaryRequest) => Promise<UnaryResponse>;

function directCall(method: DescMethod, impl: UnaryFn, interceptors: Interceptor[]): DirectCall {
  const unaryMethod = method as DescMethodUnary;
  const url = `http://in-process/${method.parent.typeName}/${method.name}`;
  const innermost: AnyFn = async (req) => {
    const output = await impl(req.message, handlerContext(req));
    return unaryResponse(unaryMethod, normalize(method.output, output));
  };
  let next = innermost;
  for (const interceptor of [...interceptors].reverse()) next = interceptor(next as never) as AnyFn;
  return async (input, scope) => {
    try {
      return (await next(unaryRequest(unaryMethod, url, input, scope))).message;
    } catch (error) {
      // What connect-es's handlers answer for anything that is not a ConnectError (its cause stays attached).
      throw error instanceof ConnectError ? error : new ConnectError("internal error", Code.Internal, undefined, undefined, error);
    }
  };
}

function normalize(desc: DescMessage, output: unknown): Message {
  return isMessage(output, desc) ? output : create(desc, output as never);
}

// Plain objects with getters (own, enumerable properties), so that an interceptor that spreads a request
// (`next({ ...req, header })`) keeps every part; the getters make headers, signal and values on first use.

function unaryRequest(method: DescMethodUnary, url: string, message: Message, scope: CallScope): UnaryRequest {
  let values: ContextValues | undefined;
  return {
    stream: false,
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
  };
}

function unaryResponse(method: DescMethodUnary, message: Message): UnaryResponse {
  let header: Headers | undefined;
  let trailer: Headers | undefined;
  return {
    stream: false,
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
  };
}

/** The HandlerContext an implementation gets, from the request its interceptors passed on. */
function handlerContext(req: UnaryRequest): HandlerContext {
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
