import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { expect } from "chai";
import { EventPriority, EventSchema, EventType } from "../../gen/es/commander/v1/event_pb.js";
import { ProjectSchema, ProjectState } from "../../gen/es/commander/v1/project_pb.js";
import { ListEventsRequestSchema } from "../../gen/es/commander/v1/event_service_pb.js";
import { ReportHookRequestSchema } from "../../gen/es/commander/v1/agent_hook_service_pb.js";
import { ChangeKind, ChangeSchema, WatchChangesRequestSchema } from "../../gen/es/commander/v1/watch_service_pb.js";
import { WorkItemSchema, WorkPriority, WorkState } from "../../gen/es/commander/v1/work_item_pb.js";
import { AddWorkRequestSchema, ListWorkRequestSchema } from "../../gen/es/commander/v1/work_service_pb.js";
import { ErrorInfoSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import { ApiError } from "../../src/errors/api-error.js";
import { fromRestJson, scalarFromText, toRestJson } from "../../src/gateway/rest-json.js";

function apiErrorOf(action: () => unknown): ApiError {
  try {
    action();
  } catch (reason) {
    if (reason instanceof ApiError) return reason;
    throw reason;
  }
  throw new Error("expected a ApiError");
}

function reasonOf(error: ApiError): { reason: string; metadata: Record<string, string> } {
  const [info] = error.findDetails(ErrorInfoSchema);
  return { reason: info.reason, metadata: info.metadata };
}

describe("REST JSON", () => {
  describe("output", () => {
    it("uses snake_case names and emits default values", () => {
      const json = toRestJson(WorkItemSchema, create(WorkItemSchema, { id: "w1", projectId: "p1" }));
      expect(json).to.include({ id: "w1", project_id: "p1", content: "", attempts: 0 });
      expect(json).to.have.property("depends_on").that.deep.equals([]);
    });

    it("emits unset optional and message fields as null", () => {
      const json = toRestJson(WorkItemSchema, create(WorkItemSchema, { id: "w1" }));
      expect(json).to.include({ result: null, error: null, state_reason: null, completed_at: null, created_at: null });
    });

    it("emits set optional fields and RFC 3339 UTC timestamps", () => {
      const project = create(ProjectSchema, {
        stateReason: "",
        createdAt: timestampFromDate(new Date("2026-03-04T05:06:07.250Z")),
      });
      expect(toRestJson(ProjectSchema, project)).to.include({ state_reason: "", created_at: "2026-03-04T05:06:07.250Z" });
    });

    it("writes enum values as lowercase words without the type prefix", () => {
      const item = create(WorkItemSchema, { state: WorkState.IN_PROGRESS, priority: WorkPriority.HIGH });
      expect(toRestJson(WorkItemSchema, item)).to.include({ state: "in_progress", priority: "high" });
      expect(toRestJson(ProjectSchema, create(ProjectSchema))).to.include({ state: "unspecified" });
    });

    it("writes repeated enums and enums in nested messages as words", () => {
      const request = create(WatchChangesRequestSchema, { kinds: [ChangeKind.EVENT_CREATED, ChangeKind.INBOX_CHANGED] });
      expect(toRestJson(WatchChangesRequestSchema, request)).to.deep.include({ kinds: ["event_created", "inbox_changed"] });
      const change = create(ChangeSchema, {
        subject: { case: "event", value: create(EventSchema, { type: EventType.DECISION_NEEDED, priority: EventPriority.CRITICAL }) },
      });
      const json = toRestJson(ChangeSchema, change) as { event: Record<string, unknown> };
      expect(json.event).to.include({ type: "decision_needed", priority: "critical", resolution: null });
    });

    it("leaves the unset members of a oneof out instead of null", () => {
      const json = toRestJson(ChangeSchema, create(ChangeSchema, { subject: { case: "project", value: create(ProjectSchema) } }));
      expect(json).to.have.property("project");
      expect(json).to.not.have.property("event");
      expect(json).to.include({ time: null });
    });

    it("writes google.protobuf.Struct as plain JSON", () => {
      const event = create(EventSchema, { context: { tool: "Bash", args: ["ls", 1, true, null], nested: { a: "b" } } });
      expect(toRestJson(EventSchema, event)).to.deep.include({
        context: { tool: "Bash", args: ["ls", 1, true, null], nested: { a: "b" } },
      });
    });
  });

  describe("input", () => {
    for (const spelling of ["high", "HIGH", "High", "WORK_PRIORITY_HIGH", "work_priority_high", 3, "3"]) {
      it(`reads the enum value ${JSON.stringify(spelling)}`, () => {
        const request = fromRestJson(AddWorkRequestSchema, { priority: spelling });
        expect(request.priority).to.equal(WorkPriority.HIGH);
      });
    }

    it("reads repeated enums given in any spelling", () => {
      const request = fromRestJson(WatchChangesRequestSchema, { kinds: ["event_created", "CHANGE_KIND_WORK_CHANGED", 7] });
      expect(request.kinds).to.deep.equal([ChangeKind.EVENT_CREATED, ChangeKind.WORK_CHANGED, ChangeKind.INBOX_CHANGED]);
    });

    it("accepts proto and JSON field names", () => {
      expect(fromRestJson(AddWorkRequestSchema, { project_id: "a" }).projectId).to.equal("a");
      expect(fromRestJson(AddWorkRequestSchema, { projectId: "b" }).projectId).to.equal("b");
    });

    it("reads a Struct field as plain JSON", () => {
      const request = fromRestJson(ReportHookRequestSchema, { payload: { hook_event_name: "Stop", n: 1 } });
      expect(request.payload).to.deep.equal({ hook_event_name: "Stop", n: 1 });
    });

    it("refuses an unknown field, naming it", () => {
      const error = apiErrorOf(() => fromRestJson(AddWorkRequestSchema, { project_id: "a", prio: "high" }));
      expect(error.code).to.equal(Code.InvalidArgument);
      expect(error.rawMessage).to.equal('unknown field "prio"');
      expect(reasonOf(error)).to.deep.equal({ reason: "UNKNOWN_FIELD", metadata: { field: "prio" } });
    });

    it("refuses an unknown enum word, naming the field and the accepted words", () => {
      const error = apiErrorOf(() => fromRestJson(ListEventsRequestSchema, { type: "urgent" }));
      expect(error.rawMessage).to.match(/invalid value "urgent" for field "type": expected one of error, decision_needed/);
      expect(reasonOf(error)).to.deep.equal({ reason: "INVALID_FIELD_VALUE", metadata: { field: "type" } });
    });

    it("refuses a value of the wrong type, naming the field", () => {
      const error = apiErrorOf(() => fromRestJson(AddWorkRequestSchema, { content: 5 }));
      expect(error.rawMessage).to.match(/^invalid value for field "content": /);
      expect(reasonOf(error)).to.deep.equal({ reason: "INVALID_FIELD_VALUE", metadata: { field: "content" } });
      const list = apiErrorOf(() => fromRestJson(AddWorkRequestSchema, { depends_on: "w1" }));
      expect(reasonOf(list).metadata).to.deep.equal({ field: "depends_on" });
    });

    it("refuses a Struct field that is not an object, naming the field", () => {
      const error = apiErrorOf(() => fromRestJson(ReportHookRequestSchema, { payload: [1, 2] }));
      expect(reasonOf(error)).to.deep.equal({ reason: "INVALID_FIELD_VALUE", metadata: { field: "payload" } });
    });
  });

  describe("text values of path variables and query parameters", () => {
    const field = (schema: typeof ListWorkRequestSchema | typeof ListEventsRequestSchema, name: string) =>
      schema.fields.find((candidate) => candidate.name === name)!;

    it("parses numbers and booleans and keeps text otherwise", () => {
      expect(scalarFromText(field(ListEventsRequestSchema, "limit"), "25")).to.equal(25);
      expect(scalarFromText(field(ListEventsRequestSchema, "limit"), "many")).to.equal("many");
      expect(scalarFromText(field(ListWorkRequestSchema, "project_id"), "007")).to.equal("007");
      expect(scalarFromText(field(ListWorkRequestSchema, "state"), "queued")).to.equal("queued");
    });
  });
});
