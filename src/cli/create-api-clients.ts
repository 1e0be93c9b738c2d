import { Agent } from "node:http";
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createHttpUnaryTransport } from "./create-http-unary-transport.js";
import type { DaemonTarget } from "./resolve-daemon-target.js";

/** The daemon's Connect clients, all on one transport. */
export interface ApiClients {
  url: string;
  /**
   * The client of `service`, made on its first use. Commands name the services they call, so a command
   * loads (and decodes the descriptors of) only those: every generated service module costs start-up time.
   */
  of<S extends DescService>(service: S): Client<S>;
}

export function createApiClients(target: DaemonTarget): ApiClients {
  const connectTransport = lazyTransport(async () => {
    const interceptors: Interceptor[] = [];
    if (target.token !== undefined) interceptors.push(bearerToken(target.token));
    const { createConnectTransport } = await import("@connectrpc/connect-node");
    // A command makes a call or two: an idle kept-alive connection would only hold the process open.
    return createConnectTransport({
      baseUrl: target.url,
      httpVersion: "1.1",
      interceptors,
      nodeOptions: { agent: new Agent({ keepAlive: false }) },
    });
  });
  // Most commands make one unary call or two: over plain HTTP those skip connect-node and undici
  // (bench/README.md, "What the profiles showed"); streams, and https daemons, take connect-node.
  const transport = /^http:/i.test(target.url)
    ? createHttpUnaryTransport({ baseUrl: target.url, token: target.token, fallback: async () => connectTransport })
    : connectTransport;
  const clients = new Map<DescService, Client<DescService>>();
  return {
    url: target.url,
    of<S extends DescService>(service: S): Client<S> {
      let client = clients.get(service);
      if (client === undefined) {
        client = createClient(service, transport);
        clients.set(service, client);
      }
      return client as Client<S>;
    },
  };
}

/**
 * A transport that loads the Node transport (node:http2 and the protocol code) on its first call, so
 * that commands that make none (help, usage errors) and the start of those that do stay quick.
 */
function lazyTransport(load: () => Promise<Transport>): Transport {
  let loaded: Promise<Transport> | undefined;
  const transport = () => (loaded ??= load());
  return {
    unary: async (...args) => (await transport()).unary(...args),
    stream: async (...args) => (await transport()).stream(...args),
  };
}

function bearerToken(token: string): Interceptor {
  return (next) => (req) => {
    req.header.set("Authorization", `Bearer ${token}`);
    return next(req);
  };
}
