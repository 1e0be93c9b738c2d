import { Agent } from "node:http";
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { EventService } from "../../gen/es/commander/v1/event_service_pb.js";
import { HealthService } from "../../gen/es/commander/v1/health_service_pb.js";
import { InboxService } from "../../gen/es/commander/v1/inbox_service_pb.js";
import { NotificationService } from "../../gen/es/commander/v1/notification_service_pb.js";
import { ProjectService } from "../../gen/es/commander/v1/project_service_pb.js";
import { SessionService } from "../../gen/es/commander/v1/session_service_pb.js";
import { WatchService } from "../../gen/es/commander/v1/watch_service_pb.js";
import { WorkService } from "../../gen/es/commander/v1/work_service_pb.js";
import { UsageService } from "../../gen/es/commander/v1/usage_service_pb.js";
import type { DaemonTarget } from "./resolve-daemon-target.js";

/** A Connect client for each service a person uses. */
export interface ApiClients {
  url: string;
  projects: Client<typeof ProjectService>;
  sessions: Client<typeof SessionService>;
  work: Client<typeof WorkService>;
  events: Client<typeof EventService>;
  inbox: Client<typeof InboxService>;
  health: Client<typeof HealthService>;
  watch: Client<typeof WatchService>;
  notifications: Client<typeof NotificationService>;
  usage: Client<typeof UsageService>;
}

export function createApiClients(target: DaemonTarget): ApiClients {
  const interceptors: Interceptor[] = [];
  if (target.token !== undefined) interceptors.push(bearerToken(target.token));
  const transport = lazyTransport(async () => {
    const { createConnectTransport } = await import("@connectrpc/connect-node");
    // A command makes a call or two: an idle kept-alive connection would only hold the process open.
    return createConnectTransport({
      baseUrl: target.url,
      httpVersion: "1.1",
      interceptors,
      nodeOptions: { agent: new Agent({ keepAlive: false }) },
    });
  });
  return {
    url: target.url,
    projects: createClient(ProjectService, transport),
    sessions: createClient(SessionService, transport),
    work: createClient(WorkService, transport),
    events: createClient(EventService, transport),
    inbox: createClient(InboxService, transport),
    health: createClient(HealthService, transport),
    watch: createClient(WatchService, transport),
    notifications: createClient(NotificationService, transport),
    usage: createClient(UsageService, transport),
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
