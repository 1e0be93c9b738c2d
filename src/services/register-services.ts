import type { ConnectRouter } from "@connectrpc/connect";
import type { Logger } from "pino";
import { AgentHookService } from "../../gen/es/commander/v1/agent_hook_service_pb.js";
import { EventService } from "../../gen/es/commander/v1/event_service_pb.js";
import { HealthService } from "../../gen/es/commander/v1/health_service_pb.js";
import { InboxService } from "../../gen/es/commander/v1/inbox_service_pb.js";
import { NotificationService } from "../../gen/es/commander/v1/notification_service_pb.js";
import { ProjectService } from "../../gen/es/commander/v1/project_service_pb.js";
import { SessionService } from "../../gen/es/commander/v1/session_service_pb.js";
import { WatchService } from "../../gen/es/commander/v1/watch_service_pb.js";
import { WorkService } from "../../gen/es/commander/v1/work_service_pb.js";
import { UsageService } from "../../gen/es/commander/v1/usage_service_pb.js";
import { createUsageService } from "./usage-service.js";
import type { AgentSupervisor } from "../app/agent-supervisor.js";
import type { CommanderCore } from "../app/commander-core.js";
import type { ProjectPaths } from "../app/project-paths.js";
import type { NotificationCenter } from "../notify/notification-center.js";
import type { NotificationTarget } from "../notify/notification-target.js";
import { createAgentHookService } from "./agent-hook-service.js";
import { createEventService } from "./event-service.js";
import { createHealthService } from "./health-service.js";
import { createInboxService } from "./inbox-service.js";
import { createNotificationService } from "./notification-service.js";
import { createProjectService } from "./project-service.js";
import { createSessionService } from "./session-service.js";
import { withErrorMapping } from "./to-connect-error.js";
import { createWatchService } from "./watch-service.js";
import { createWorkService } from "./work-service.js";

export interface ServiceDeps {
  core: CommanderCore;
  agents: AgentSupervisor;
  paths: ProjectPaths;
  logger: Logger;
  version: string;
  defaultRuntime: string;
  knownRuntimes: readonly string[];
  maxBufferedChanges: number;
  /** Absent in tests that need no notifications: the service is then not registered. */
  notifications?: { center: NotificationCenter; configTargets: readonly NotificationTarget[]; answerLinkKey: Buffer };
}

/** Registers every Commander service on the router; REST, Connect, gRPC and gRPC-Web all reach these. */
export function registerServices(router: ConnectRouter, deps: ServiceDeps): void {
  const rpcLog = deps.logger.child({ component: "rpc" });
  const mapped = <T extends object>(implementation: T) => withErrorMapping(implementation, rpcLog);
  router.service(HealthService, mapped(createHealthService({ health: deps.core.health, version: deps.version })));
  router.service(ProjectService, mapped(createProjectService(deps)));
  router.service(SessionService, mapped(createSessionService(deps)));
  router.service(WorkService, mapped(createWorkService(deps)));
  router.service(EventService, mapped(createEventService(deps)));
  router.service(InboxService, mapped(createInboxService(deps)));
  router.service(WatchService, mapped(createWatchService(deps)));
  router.service(AgentHookService, mapped(createAgentHookService(deps)));
  if (deps.notifications) {
    const { center, configTargets, answerLinkKey } = deps.notifications;
    router.service(NotificationService, mapped(createNotificationService({ ...deps, notifications: center, configTargets, answerLinkKey })));
  }
  router.service(UsageService, mapped(createUsageService(deps)));
}
