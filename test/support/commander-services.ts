import type { DescService } from "@bufbuild/protobuf";
import { AgentHookService } from "../../gen/es/commander/v1/agent_hook_service_pb.js";
import { EventService } from "../../gen/es/commander/v1/event_service_pb.js";
import { HealthService } from "../../gen/es/commander/v1/health_service_pb.js";
import { InboxService } from "../../gen/es/commander/v1/inbox_service_pb.js";
import { NotificationService } from "../../gen/es/commander/v1/notification_service_pb.js";
import { ProjectService } from "../../gen/es/commander/v1/project_service_pb.js";
import { SessionService } from "../../gen/es/commander/v1/session_service_pb.js";
import { UsageService } from "../../gen/es/commander/v1/usage_service_pb.js";
import { WatchService } from "../../gen/es/commander/v1/watch_service_pb.js";
import { WorkService } from "../../gen/es/commander/v1/work_service_pb.js";

/**
 * Every service of Commander's own proto, for the tests that cover the whole API surface (security,
 * bad input, the documented route table). test/docs/commander-services.test.ts fails when a new
 * service file is generated and not listed here.
 */
export const COMMANDER_SERVICES: readonly DescService[] = [
  HealthService,
  ProjectService,
  SessionService,
  WorkService,
  EventService,
  InboxService,
  WatchService,
  AgentHookService,
  NotificationService,
  UsageService,
];
