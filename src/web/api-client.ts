import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { EventService } from "../../gen/es/commander/v1/event_service_pb.js";
import { HealthService } from "../../gen/es/commander/v1/health_service_pb.js";
import { InboxService } from "../../gen/es/commander/v1/inbox_service_pb.js";
import { NotificationService } from "../../gen/es/commander/v1/notification_service_pb.js";
import { ProjectService } from "../../gen/es/commander/v1/project_service_pb.js";
import { SessionService } from "../../gen/es/commander/v1/session_service_pb.js";
import { WatchService } from "../../gen/es/commander/v1/watch_service_pb.js";
import { WorkService } from "../../gen/es/commander/v1/work_service_pb.js";
import { authToken, tokenRequired } from "./auth-token.js";

const withToken: Interceptor = (next) => async (request) => {
  const token = authToken.value;
  if (token !== "") request.header.set("Authorization", `Bearer ${token}`);
  try {
    return await next(request);
  } catch (error) {
    if (error instanceof ConnectError && error.code === Code.Unauthenticated) tokenRequired.value = true;
    throw error;
  }
};

// The page's own origin: the daemon serves the page and the API on one port, so there is no CORS.
const transport = createConnectTransport({
  baseUrl: location.origin,
  useBinaryFormat: true,
  interceptors: [withToken],
});

/** The one typed client of the daemon's API, generated from proto/ (gen/es). */
export const api = {
  projects: createClient(ProjectService, transport),
  sessions: createClient(SessionService, transport),
  work: createClient(WorkService, transport),
  events: createClient(EventService, transport),
  inbox: createClient(InboxService, transport),
  health: createClient(HealthService, transport),
  watch: createClient(WatchService, transport),
  notifications: createClient(NotificationService, transport),
};

/** A failure's message for a person: the daemon's message, which names the field or the problem. */
export function errorText(error: unknown): string {
  if (error instanceof ConnectError) return error.rawMessage;
  return error instanceof Error ? error.message : String(error);
}
