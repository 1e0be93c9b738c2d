import type { DescMethod } from "@bufbuild/protobuf";
import { expect } from "chai";
import { AgentHookService } from "../../gen/es/commander/v1/agent_hook_service_pb.js";
import { EventService } from "../../gen/es/commander/v1/event_service_pb.js";
import { HealthService } from "../../gen/es/commander/v1/health_service_pb.js";
import { InboxService } from "../../gen/es/commander/v1/inbox_service_pb.js";
import { ProjectService } from "../../gen/es/commander/v1/project_service_pb.js";
import { SessionService } from "../../gen/es/commander/v1/session_service_pb.js";
import { WatchService } from "../../gen/es/commander/v1/watch_service_pb.js";
import { WorkService } from "../../gen/es/commander/v1/work_service_pb.js";
import { createRouteTable } from "../../src/gateway/route-table.js";
import type { RouteMatch } from "../../src/gateway/route-table.js";
import { serviceWithRules } from "./fixtures/runtime-service.js";

const allServices = [
  AgentHookService, EventService, HealthService, InboxService, ProjectService, SessionService, WatchService, WorkService,
];
const allMethods = allServices.flatMap((service) => service.methods);

function rpcOf(match: RouteMatch): string {
  return match.kind === "found" ? match.route.method.name : match.kind;
}

describe("route table", () => {
  const table = createRouteTable(allMethods);

  it("builds one route per google.api.http rule and additional binding", () => {
    const addWork = table.routes.filter((route) => route.method.name === "AddWork");
    expect(addWork.map((route) => route.template.source)).to.deep.equal(["/api/work", "/api/projects/{project_id}/work"]);
  });

  it("routes a literal segment before a variable", () => {
    expect(rpcOf(table.match("GET", "/api/events/pending"))).to.equal("ListPendingEvents");
    expect(rpcOf(table.match("GET", "/api/events/stream"))).to.equal("WatchChanges");
    expect(rpcOf(table.match("GET", "/api/events/e-42"))).to.equal("GetEvent");
    expect(rpcOf(table.match("GET", "/api/inbox/counts"))).to.equal("GetInboxCounts");
  });

  it("binds path variables, percent-decoded", () => {
    const match = table.match("GET", "/api/projects/p%201/work/w%2F2");
    expect(match.kind).to.equal("found");
    if (match.kind === "found") {
      expect(match.route.method.name).to.equal("GetWork");
      expect(Object.fromEntries(match.pathValues)).to.deep.equal({ project_id: "p 1", work_id: "w/2" });
    }
  });

  it("tells apart methods on the same path", () => {
    expect(rpcOf(table.match("GET", "/api/sessions/p1"))).to.equal("GetSession");
    expect(rpcOf(table.match("DELETE", "/api/sessions/p1"))).to.equal("DeleteSession");
  });

  it("answers method-not-allowed with the allowed methods when only the method differs", () => {
    expect(table.match("PUT", "/api/projects")).to.deep.equal({ kind: "method-not-allowed", allow: ["GET", "POST"] });
    expect(table.match("POST", "/api/events/pending")).to.deep.equal({ kind: "method-not-allowed", allow: ["GET"] });
  });

  it("answers not-found for an unknown path, a trailing slash or an empty variable", () => {
    expect(table.match("GET", "/api/nothing").kind).to.equal("not-found");
    expect(table.match("GET", "/api/projects/").kind).to.equal("not-found");
    expect(table.match("GET", "/").kind).to.equal("not-found");
  });

  it("throws at start-up on the same route registered twice", () => {
    const getProject = ProjectService.method.getProject as DescMethod;
    expect(() => createRouteTable([getProject, getProject])).to.throw(/duplicate REST route GET \/api\/projects\/\{project_id\}/);
  });

  it("throws at start-up on equivalent templates with different variable names", () => {
    const service = serviceWithRules({
      First: { pattern: { case: "get", value: "/api/things/{id}" } },
      Second: { pattern: { case: "get", value: "/api/things/{id=*}" } },
    });
    expect(() => createRouteTable(service.methods)).to.throw(/duplicate REST route.*test\.Routes\.Second and test\.Routes\.First/);
  });

  it("accepts equivalent templates under different methods, and custom methods", () => {
    const service = serviceWithRules({
      Read: { pattern: { case: "get", value: "/api/things/{id}" } },
      Erase: { pattern: { case: "delete", value: "/api/things/{id}" } },
      Peek: { pattern: { case: "custom", value: { kind: "HEAD", path: "/api/things/{id}" } } },
    });
    const custom = createRouteTable(service.methods);
    expect(rpcOf(custom.match("HEAD", "/api/things/t1"))).to.equal("Peek");
    expect(custom.match("PUT", "/api/things/t1")).to.deep.equal({ kind: "method-not-allowed", allow: ["DELETE", "GET", "HEAD"] });
  });

  it("matches a custom verb", () => {
    const service = serviceWithRules({
      Cancel: { pattern: { case: "post", value: "/api/things/{id}:cancel" }, body: "*" },
      Update: { pattern: { case: "post", value: "/api/things/{id}" }, body: "*" },
    });
    const verbs = createRouteTable(service.methods);
    const match = verbs.match("POST", "/api/things/t1:cancel");
    expect(rpcOf(match)).to.equal("Cancel");
    expect(match.kind === "found" && match.pathValues.get("id")).to.equal("t1");
    expect(rpcOf(verbs.match("POST", "/api/things/t1"))).to.equal("Update");
  });

  it("rejects a rule whose path variable or body names no field", () => {
    expect(() =>
      createRouteTable(serviceWithRules({ Bad: { pattern: { case: "get", value: "/api/things/{nope}" } } }).methods),
    ).to.throw(/test\.Req has no field nope/);
    expect(() =>
      createRouteTable(serviceWithRules({ Bad: { pattern: { case: "post", value: "/api/things" }, body: "nope" } }).methods),
    ).to.throw(/has no field nope/);
  });

  it("answers a path it matched before from memory, with the same result, and still matches new paths", () => {
    const service = serviceWithRules({
      Get: { pattern: { case: "get", value: "/api/things/{id}" } },
      List: { pattern: { case: "get", value: "/api/things" } },
    });
    const table = createRouteTable(service.methods);
    const first = table.match("GET", "/api/things/t1");
    expect(table.match("GET", "/api/things/t1"), "the remembered match").to.equal(first);
    expect(rpcOf(table.match("GET", "/api/things"))).to.equal("List");
    const other = table.match("GET", "/api/things/t2");
    expect(other.kind === "found" && other.pathValues.get("id")).to.equal("t2");
    expect(table.match("PUT", "/api/things").kind).to.equal("method-not-allowed");
  });
});
