import { expect } from "chai";
import { readFile } from "node:fs/promises";
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
import { successStatusForRpc } from "../../src/gateway/http-status.js";
import { createRouteTable, type Route } from "../../src/gateway/route-table.js";
import { REPO_ROOT } from "../support/daemon-process.js";

const services = [HealthService, ProjectService, SessionService, WorkService, EventService, InboxService, WatchService, AgentHookService, NotificationService, UsageService];

/** The row docs/gateway.md shows for a route, from what the gateway reads in the annotations. */
function rowOf(route: Route): string {
  const body = route.body === "" ? "" : `\`${route.body}\``;
  const status = successStatusForRpc(route.method.name);
  const answers =
    route.method.methodKind === "server_streaming"
      ? "NDJSON or SSE"
      : status === 204
        ? "empty"
        : route.responseField
          ? `\`${route.responseField.name}\``
          : "response";
  return `| ${route.httpMethod} | \`${route.template.source}\` | ${route.method.parent.name}.${route.method.name} | ${body} | ${status}, ${answers} |`;
}

describe("docs/gateway.md", () => {
  it("lists every REST route the annotations define, with its RPC, body and answer, and no other", async () => {
    const page = await readFile(`${REPO_ROOT}/docs/gateway.md`, "utf8");
    const section = page.slice(page.indexOf("## REST route table"));
    const documented = section.split("\n").filter((line) => /^\| (GET|POST|PUT|PATCH|DELETE) \|/.test(line));
    const routes = createRouteTable(services.flatMap((service) => service.methods)).routes.map(rowOf);
    expect([...documented].sort()).to.deep.equal([...routes].sort());
  });
});
