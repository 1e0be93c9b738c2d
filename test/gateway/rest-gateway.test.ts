import { expect } from "chai";
import pino from "pino";
import { startTestServer } from "../server/fixtures/test-server.js";
import type { TestServer } from "../server/fixtures/test-server.js";
import { expectStatusBody, rest } from "./fixtures/rest-client.js";
import type { RestRequest } from "./fixtures/rest-client.js";

describe("REST gateway", () => {
  let server: TestServer;
  const call = (method: string, path: string, request?: RestRequest) => rest(server.baseUrl, method, path, request);

  before(async () => {
    server = await startTestServer({ maxBodyBytes: 2048 });
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.fixture.projects.clear();
    server.fixture.work.clear();
  });

  describe("JSON contract", () => {
    it("answers 201 with only the response_body field when a project is registered", async () => {
      const response = await call("POST", "/api/projects", { body: { path: "/tmp/demo", name: "Demo", project_id: "p1" } });
      expect(response.status).to.equal(201);
      expect(response.json).to.deep.equal({
        id: "p1",
        path: "/tmp/demo",
        name: "Demo",
        state: "idle",
        state_reason: null,
        runtime: "",
        pending_events_count: 0,
        queued_work_count: 0,
        created_at: "2026-01-02T03:04:05Z",
        last_activity: null,
        permission_mode: "",
        model: "",
        policy: null,
        permission_timeout_seconds: 0,
        usage: null,
        usage_today: null,
        budget: null,
      });
    });

    it("answers 200 with the whole response message when there is no response_body", async () => {
      await call("POST", "/api/projects", { body: { path: "/tmp/a", project_id: "a" } });
      const response = await call("GET", "/api/projects");
      expect(response.status).to.equal(200);
      expect(response.json).to.have.all.keys("projects", "next_page_token");
      expect(response.json.projects[0]).to.include({ id: "a", state: "idle", state_reason: null });
    });

    it("emits default values and nulls, and lowercase enums, for a new work item", async () => {
      const response = await call("POST", "/api/work", { body: { project_id: "p1", content: "build", priority: "CRITICAL" } });
      expect(response.status).to.equal(201);
      expect(response.json).to.deep.include({
        project_id: "p1",
        content: "build",
        state: "queued",
        priority: "critical",
        depends_on: [],
        attempts: 0,
        result: null,
        completed_at: null,
      });
    });

    for (const spelling of ["high", "HIGH", "WORK_PRIORITY_HIGH", 3]) {
      it(`accepts the priority ${JSON.stringify(spelling)} in a body`, async () => {
        const response = await call("POST", "/api/work", { body: { project_id: "p1", content: "x", priority: spelling } });
        expect(response.status, response.text).to.equal(201);
        expect(response.json.priority).to.equal("high");
      });
    }

    it("filters by enums given in any spelling in the query string", async () => {
      await call("POST", "/api/work", { body: { project_id: "p1", content: "low", priority: "low" } });
      await call("POST", "/api/work", { body: { project_id: "p1", content: "high", priority: "high" } });
      for (const query of ["priority=high", "priority=HIGH", "priority=WORK_PRIORITY_HIGH", "priority=3&state=queued"]) {
        const response = await call("GET", `/api/work?project_id=p1&${query}`);
        expect(response.status, response.text).to.equal(200);
        expect(response.json.work_items.map((item: { content: string }) => item.content), query).to.deep.equal(["high"]);
      }
    });

    it("takes path variables from additional bindings", async () => {
      const response = await call("POST", "/api/projects/p9/work", { body: { content: "via project" } });
      expect(response.status).to.equal(201);
      expect(response.json).to.include({ project_id: "p9", content: "via project", priority: "medium" });
      const listed = await call("GET", "/api/projects/p9/work");
      expect(listed.json.work_items).to.have.length(1);
    });

    it("lets path variables override the body", async () => {
      await call("POST", "/api/projects", { body: { path: "/tmp/a", project_id: "a" } });
      const response = await call("POST", "/api/projects/a/pause", { body: { project_id: "other", reason: "lunch" } });
      expect(response.status).to.equal(200);
      expect(response.json).to.include({ id: "a", state: "paused", state_reason: "lunch" });
    });

    it("answers 204 with an empty body when a project is unregistered", async () => {
      await call("POST", "/api/projects", { body: { path: "/tmp/a", project_id: "a" } });
      const response = await call("DELETE", "/api/projects/a");
      expect(response.status).to.equal(204);
      expect(response.text).to.equal("");
      expect((await call("GET", "/api/projects/a")).status).to.equal(404);
    });

    it("routes /api/events/pending to ListPendingEvents, not GetEvent", async () => {
      const pending = await call("GET", "/api/events/pending");
      expect(pending.status).to.equal(200);
      expect(pending.json.events[0]).to.include({ id: "e1", type: "approval", status: "pending", resolution: null });
      const one = await call("GET", "/api/events/e1");
      expect(one.json).to.include({ id: "e1", context: null });
    });

    it("treats an empty body as {} for body: \"*\"", async () => {
      const response = await call("POST", "/api/health/acknowledge");
      expect(response.status).to.equal(200);
      expect(response.json).to.deep.equal({ acknowledged: [] });
    });

    it("puts the body under the body field, forwards authorization, and answers the response_body Struct", async () => {
      const response = await call("POST", "/api/hooks/s1", {
        body: { hook_event_name: "Stop", extra: [1, { deep: true }] },
        headers: { authorization: "Bearer s3cret" },
      });
      expect(response.status).to.equal(200);
      expect(response.json).to.deep.equal({ received: "Stop", session: "s1" });
      expect(server.fixture.lastHookHeaders?.get("authorization")).to.equal("Bearer s3cret");
    });

    it("echoes the request id, or makes one", async () => {
      const given = await call("GET", "/api/health", { headers: { "x-request-id": "req-123" } });
      expect(given.headers["x-request-id"]).to.equal("req-123");
      const made = await call("GET", "/api/health");
      expect(made.headers["x-request-id"]).to.match(/^[0-9a-f-]{36}$/);
    });
  });

  describe("errors", () => {
    it("answers a service error with its status and ErrorInfo", async () => {
      const response = await call("GET", "/api/projects/nope");
      const info = expectStatusBody(response, 404, 5, "PROJECT_NOT_FOUND");
      expect(info.metadata).to.deep.equal({ id: "nope" });
      expect(response.json.message).to.equal("project nope not found");
    });

    it("maps UNAUTHENTICATED to 401", async () => {
      const response = await call("POST", "/api/hooks/s1", { body: { hook_event_name: "Stop" } });
      expect(response.status).to.equal(401);
      expect(response.json).to.deep.equal({ code: 16, message: "bad session secret", details: [] });
    });

    it("maps an RPC the service does not implement to 501", async () => {
      const response = await call("GET", "/api/events?limit=5");
      expect(response.status).to.equal(501);
      expect(response.json.code).to.equal(12);
    });

    it("refuses malformed JSON with 400 MALFORMED_JSON", async () => {
      const response = await call("POST", "/api/projects", { body: '{"path":', headers: { "content-type": "application/json" } });
      expectStatusBody(response, 400, 3, "MALFORMED_JSON");
      expect(response.json.message).to.match(/^invalid JSON body: /);
    });

    it("refuses a body that is not an object with 400 MALFORMED_JSON", async () => {
      const response = await call("POST", "/api/projects", { body: "[1]", headers: { "content-type": "application/json" } });
      expectStatusBody(response, 400, 3, "MALFORMED_JSON");
    });

    it("refuses an unknown field with 400 UNKNOWN_FIELD naming it", async () => {
      const response = await call("POST", "/api/projects", { body: { path: "/tmp", nmae: "typo" } });
      const info = expectStatusBody(response, 400, 3, "UNKNOWN_FIELD");
      expect(info.metadata).to.deep.equal({ field: "nmae" });
      expect(response.json.message).to.include("nmae");
    });

    it("refuses a value of the wrong type with 400 INVALID_FIELD_VALUE naming the field", async () => {
      const response = await call("POST", "/api/work", { body: { project_id: "p1", depends_on: "w1" } });
      const info = expectStatusBody(response, 400, 3, "INVALID_FIELD_VALUE");
      expect(info.metadata).to.deep.equal({ field: "depends_on" });
    });

    it("refuses an unknown enum word in a query string with 400 naming the field", async () => {
      const response = await call("GET", "/api/work?state=sleeping");
      const info = expectStatusBody(response, 400, 3, "INVALID_FIELD_VALUE");
      expect(info.metadata).to.deep.equal({ field: "state" });
      expect(response.json.message).to.include("queued, in_progress");
    });

    it("refuses an unknown query parameter and a repeated singular one", async () => {
      expectStatusBody(await call("GET", "/api/work?colour=red"), 400, 3, "UNKNOWN_FIELD");
      expectStatusBody(await call("GET", "/api/work?state=queued&state=failed"), 400, 3, "INVALID_FIELD_VALUE");
    });

    it("refuses a body over maxBodyBytes with 413 BODY_TOO_LARGE, by Content-Length or as it streams", async () => {
      const big = { path: "/tmp", name: "x".repeat(4000) };
      expectStatusBody(await call("POST", "/api/projects", { body: big }), 413, 8, "BODY_TOO_LARGE");
      expectStatusBody(await call("POST", "/api/projects", { body: big, chunked: true }), 413, 8, "BODY_TOO_LARGE");
    });

    it("refuses a body that is not JSON with 415", async () => {
      const response = await call("POST", "/api/projects", { body: "path=/tmp", headers: { "content-type": "application/x-www-form-urlencoded" } });
      expectStatusBody(response, 415, 3, "UNSUPPORTED_MEDIA_TYPE");
    });

    it("refuses a body without Content-Type with 415 naming the header, and takes a POST without a body", async () => {
      const response = await call("POST", "/api/projects", { body: '{"path":"/tmp/a"}' });
      expect(expectStatusBody(response, 415, 3, "UNSUPPORTED_MEDIA_TYPE").metadata).to.deep.equal({ header: "Content-Type" });
      expect(response.json.message).to.include("Content-Type");
      expect((await call("POST", "/api/projects", { body: "" })).status, "an empty body needs no type").to.not.equal(415);
    });

    it("answers an unknown route with 404 ROUTE_NOT_FOUND", async () => {
      expectStatusBody(await call("GET", "/api/nothing/here"), 404, 5, "ROUTE_NOT_FOUND");
      expectStatusBody(await call("GET", "/"), 404, 5, "ROUTE_NOT_FOUND");
    });

    it("answers a known path with another method with 405 and Allow", async () => {
      const response = await call("PUT", "/api/projects");
      expectStatusBody(response, 405, 12, "METHOD_NOT_ALLOWED");
      expect(response.headers.allow).to.equal("GET, POST");
    });

    it("answers an unexpected service failure with a generic 500", async () => {
      const response = await call("GET", "/api/projects/boom");
      expect(response.status).to.equal(500);
      expect(response.json).to.deep.equal({ code: 13, message: "internal error", details: [] });
    });
  });

  describe("logging", () => {
    it("logs each request at debug level with its id, method, path, status and duration", async () => {
      const lines: Record<string, unknown>[] = [];
      const logger = pino({ level: "debug" }, { write: (line: string) => lines.push(JSON.parse(line)) });
      const logged = await startTestServer({ logger });
      try {
        await rest(logged.baseUrl, "GET", "/api/projects/zz", { headers: { "x-request-id": "log-1" } });
        const entry = lines.find((line) => line.requestId === "log-1");
        expect(entry).to.include({ level: 20, component: "gateway", method: "GET", path: "/api/projects/zz", status: 404 });
        expect(entry).to.have.property("durationMs").that.is.a("number");
      } finally {
        await logged.close();
      }
    });
  });

  describe("allowed hosts", () => {
    let guarded: TestServer;
    before(async () => {
      guarded = await startTestServer({ allowedHosts: ["localhost"] });
    });
    after(async () => {
      await guarded.close();
    });

    it("serves an allowed Host and refuses another with 403 HOST_NOT_ALLOWED", async () => {
      const allowed = await rest(guarded.baseUrl, "GET", "/api/health", { headers: { host: `localhost:${guarded.port}` } });
      expect(allowed.status).to.equal(200);
      const refused = await rest(guarded.baseUrl, "GET", "/api/health", { headers: { host: "evil.example" } });
      expectStatusBody(refused, 403, 7, "HOST_NOT_ALLOWED");
    });
  });
});
