// Bad input on every REST route of the real daemon: malformed JSON, wrong types, unknown fields, missing
// values, bad enum words, oversized bodies, unknown routes, wrong methods and non-JSON content types.
// Each must get a 4xx `google.rpc.Status` naming the field or the problem, never a 5xx, and must leave the
// daemon healthy with its state unchanged. The route table below is checked against the proto's
// `google.api.http` annotations, so a new route cannot go untested.
import { getOption, hasOption } from "@bufbuild/protobuf";
import { expect } from "chai";
import { http } from "../../gen/es/google/api/annotations_pb.js";
import type { HttpRule } from "../../gen/es/google/api/http_pb.js";
import type { RestResponse } from "../support/rest-client.js";
import { COMMANDER_SERVICES } from "../support/commander-services.js";
import {
  addWork,
  asRestResponse,
  expectClientError,
  expectRestError,
  rawRequest,
  registerPausedProject,
  startE2eDaemon,
  type E2eDaemon,
} from "./support/e2e-daemon.js";

interface Ids {
  project: string;
  work: string;
  session: string;
  event: string;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

interface RouteCase {
  method: Method;
  /** The annotation's path template, exactly as in the proto. */
  template: string;
  /** `*`, the name of the field the body fills, or "" for no body (from the annotation). */
  body: string;
  /** A concrete path for the seeded ids. */
  path(ids: Ids): string;
  /** A body field (POST) or query parameter (GET, DELETE) given a value of the wrong type. */
  wrongType?: { field: string; value: unknown };
  /** A body that lacks a required value, and the field the error must name. */
  missing?: { body: (ids: Ids) => Record<string, unknown>; field: string };
  /** Enum fields, set to an unknown word in the body (POST) or the query (GET). */
  enums?: Array<{ field: string; base?: (ids: Ids) => Record<string, unknown> }>;
}

const ROUTES: RouteCase[] = [
  // ProjectService
  {
    method: "POST", template: "/api/projects", body: "*", path: () => "/api/projects",
    wrongType: { field: "path", value: 123 },
    missing: { body: () => ({ name: "no path" }), field: "path" },
  },
  { method: "GET", template: "/api/projects", body: "", path: () => "/api/projects" },
  { method: "GET", template: "/api/projects/{project_id}", body: "", path: (ids) => `/api/projects/${ids.project}` },
  {
    method: "DELETE", template: "/api/projects/{project_id}", body: "", path: (ids) => `/api/projects/${ids.project}`,
    wrongType: { field: "force", value: "maybe" },
  },
  {
    method: "POST", template: "/api/projects/{project_id}/pause", body: "*", path: (ids) => `/api/projects/${ids.project}/pause`,
    wrongType: { field: "reason", value: 5 },
  },
  { method: "POST", template: "/api/projects/{project_id}/resume", body: "*", path: (ids) => `/api/projects/${ids.project}/resume` },
  {
    method: "PATCH", template: "/api/projects/{project_id}", body: "project", path: (ids) => `/api/projects/${ids.project}`,
    wrongType: { field: "name", value: 5 },
  },
  { method: "GET", template: "/api/projects/{project_id}/policy/rules", body: "", path: (ids) => `/api/projects/${ids.project}/policy/rules` },
  {
    method: "POST", template: "/api/projects/{project_id}/policy/rules", body: "*", path: (ids) => `/api/projects/${ids.project}/policy/rules`,
    wrongType: { field: "rule", value: 5 },
    missing: { body: () => ({ action: "allow" }), field: "rule" },
  },
  {
    method: "DELETE", template: "/api/projects/{project_id}/policy/rules", body: "", path: (ids) => `/api/projects/${ids.project}/policy/rules`,
    wrongType: { field: "action", value: "maybe" },
  },
  // UsageService
  { method: "GET", template: "/api/usage", body: "", path: () => "/api/usage" },
  {
    method: "PUT", template: "/api/projects/{project_id}/budget", body: "budget", path: (ids) => `/api/projects/${ids.project}/budget`,
    wrongType: { field: "daily_usd", value: "lots" },
  },
  {
    method: "GET", template: "/api/work/{work_id}/transcript", body: "", path: (ids) => `/api/work/${ids.work}/transcript`,
    wrongType: { field: "page_size", value: "many" },
  },
  {
    method: "GET", template: "/api/work/{work_id}/diff", body: "", path: (ids) => `/api/work/${ids.work}/diff`,
    wrongType: { field: "page_size", value: "many" },
  },
  // SessionService
  {
    method: "POST", template: "/api/sessions", body: "*", path: () => "/api/sessions",
    wrongType: { field: "project_id", value: 5 },
    missing: { body: () => ({ runtime: "shell" }), field: "project_id" },
  },
  {
    method: "POST", template: "/api/projects/{project_id}/sessions", body: "*", path: (ids) => `/api/projects/${ids.project}/sessions`,
    wrongType: { field: "runtime", value: ["claude-code"] },
  },
  { method: "GET", template: "/api/sessions", body: "", path: () => "/api/sessions" },
  { method: "GET", template: "/api/projects/{project_id}/sessions", body: "", path: (ids) => `/api/projects/${ids.project}/sessions` },
  { method: "GET", template: "/api/sessions/{project_id}", body: "", path: (ids) => `/api/sessions/${ids.project}` },
  { method: "POST", template: "/api/sessions/{project_id}/start", body: "*", path: (ids) => `/api/sessions/${ids.project}/start` },
  { method: "POST", template: "/api/sessions/{project_id}/stop", body: "*", path: (ids) => `/api/sessions/${ids.project}/stop` },
  { method: "DELETE", template: "/api/sessions/{session_id}", body: "", path: (ids) => `/api/sessions/${ids.session}` },
  // WorkService
  {
    method: "POST", template: "/api/work", body: "*", path: () => "/api/work",
    wrongType: { field: "content", value: 5 },
    missing: { body: (ids) => ({ project_id: ids.project }), field: "content" },
    enums: [{ field: "priority", base: (ids) => ({ project_id: ids.project, content: "x" }) }],
  },
  {
    method: "POST", template: "/api/projects/{project_id}/work", body: "*", path: (ids) => `/api/projects/${ids.project}/work`,
    wrongType: { field: "depends_on", value: "not-a-list" },
    missing: { body: () => ({ priority: "high" }), field: "content" },
    enums: [{ field: "priority", base: () => ({ content: "x" }) }],
  },
  { method: "GET", template: "/api/work", body: "", path: () => "/api/work", enums: [{ field: "state" }, { field: "priority" }] },
  {
    method: "GET", template: "/api/projects/{project_id}/work", body: "", path: (ids) => `/api/projects/${ids.project}/work`,
    enums: [{ field: "state" }, { field: "priority" }],
  },
  { method: "GET", template: "/api/work/{work_id}", body: "", path: (ids) => `/api/work/${ids.work}` },
  {
    method: "GET", template: "/api/projects/{project_id}/work/{work_id}", body: "",
    path: (ids) => `/api/projects/${ids.project}/work/${ids.work}`,
  },
  {
    method: "POST", template: "/api/work/{work_id}/complete", body: "*", path: (ids) => `/api/work/${ids.work}/complete`,
    wrongType: { field: "result", value: 5 },
  },
  {
    method: "POST", template: "/api/work/{work_id}/fail", body: "*", path: (ids) => `/api/work/${ids.work}/fail`,
    wrongType: { field: "error", value: { text: "nested" } },
  },
  {
    method: "POST", template: "/api/work/{work_id}/cancel", body: "*", path: (ids) => `/api/work/${ids.work}/cancel`,
    wrongType: { field: "reason", value: ["a", "list"] },
  },
  {
    method: "POST", template: "/api/projects/{project_id}/work/{work_id}/cancel", body: "*",
    path: (ids) => `/api/projects/${ids.project}/work/${ids.work}/cancel`,
    wrongType: { field: "reason", value: true },
  },
  // EventService
  { method: "GET", template: "/api/events/pending", body: "", path: () => "/api/events/pending" },
  {
    method: "GET", template: "/api/events", body: "", path: () => "/api/events",
    wrongType: { field: "limit", value: "many" },
    enums: [{ field: "status" }, { field: "type" }],
  },
  { method: "GET", template: "/api/events/{event_id}", body: "", path: (ids) => `/api/events/${ids.event}` },
  {
    method: "POST", template: "/api/events/{event_id}/resolve", body: "*", path: (ids) => `/api/events/${ids.event}/resolve`,
    wrongType: { field: "resolution", value: 5 },
    missing: { body: () => ({}), field: "resolution" },
  },
  { method: "POST", template: "/api/events/{event_id}/dismiss", body: "*", path: (ids) => `/api/events/${ids.event}/dismiss` },
  // InboxService
  {
    method: "POST", template: "/api/inbox", body: "*", path: () => "/api/inbox",
    wrongType: { field: "content", value: { text: "nested" } },
    missing: { body: (ids) => ({ project_id: ids.project, priority: "high" }), field: "content" },
    enums: [{ field: "priority", base: (ids) => ({ project_id: ids.project, content: "x" }) }],
  },
  {
    method: "POST", template: "/api/projects/{project_id}/messages", body: "*", path: (ids) => `/api/projects/${ids.project}/messages`,
    wrongType: { field: "session_id", value: 5 },
    missing: { body: () => ({}), field: "content" },
    enums: [{ field: "priority", base: () => ({ content: "x" }) }],
  },
  {
    method: "GET", template: "/api/inbox", body: "", path: () => "/api/inbox",
    wrongType: { field: "limit", value: "ten" },
    enums: [{ field: "priority" }, { field: "state" }],
  },
  { method: "GET", template: "/api/inbox/counts", body: "", path: () => "/api/inbox/counts" },
  { method: "GET", template: "/api/projects/{project_id}/thread", body: "", path: (ids) => `/api/projects/${ids.project}/thread` },
  // HealthService
  { method: "GET", template: "/api/health", body: "", path: () => "/api/health" },
  { method: "POST", template: "/api/health/acknowledge", body: "*", path: () => "/api/health/acknowledge" },
  // WatchService (streams: every refusal must come before the stream starts)
  {
    method: "GET", template: "/api/changes", body: "", path: () => "/api/changes",
    wrongType: { field: "after_seq", value: "latest" },
    enums: [{ field: "kinds" }],
  },
  {
    method: "GET", template: "/api/events/stream", body: "", path: () => "/api/events/stream",
    wrongType: { field: "after_seq", value: "1.5" },
    enums: [{ field: "kinds" }],
  },
  { method: "GET", template: "/api/sessions/{project_id}/output", body: "", path: (ids) => `/api/sessions/${ids.project}/output` },
  // AgentHookService (the body is the hook's payload, a Struct: any object is accepted)
  { method: "POST", template: "/api/hooks/{session_id}", body: "payload", path: (ids) => `/api/hooks/${ids.session}` },
  // NotificationService
  { method: "GET", template: "/api/notifications/targets", body: "", path: () => "/api/notifications/targets" },
  {
    method: "POST", template: "/api/notifications/targets", body: "*", path: () => "/api/notifications/targets",
    wrongType: { field: "answer_links", value: "yes" },
    missing: { body: () => ({ url: "http://127.0.0.1:1/" }), field: "name" },
  },
  { method: "DELETE", template: "/api/notifications/targets/{name}", body: "", path: () => "/api/notifications/targets/nobody" },
  { method: "POST", template: "/api/notifications/targets/{name}/test", body: "*", path: () => "/api/notifications/targets/nobody/test" },
  {
    method: "GET", template: "/api/notifications", body: "", path: () => "/api/notifications",
    wrongType: { field: "limit", value: "1.5" },
  },
  { method: "GET", template: "/api/answer-links/{token}", body: "", path: () => "/api/answer-links/not.valid" },
  { method: "POST", template: "/api/answer-links/{token}", body: "*", path: () => "/api/answer-links/not.valid" },
];

const SERVICES = COMMANDER_SERVICES;

/** Every binding the proto declares, as "METHOD template body". */
function annotatedBindings(): string[] {
  const bindings: string[] = [];
  for (const service of SERVICES) {
    for (const method of service.methods) {
      if (!hasOption(method, http)) continue;
      const rule = getOption(method, http);
      for (const binding of [rule, ...rule.additionalBindings] as HttpRule[]) {
        if (binding.pattern.case === undefined || binding.pattern.case === "custom") continue;
        bindings.push(`${binding.pattern.case.toUpperCase()} ${binding.pattern.value} body=${binding.body}`);
      }
    }
  }
  return bindings.sort();
}

/** The methods of every route whose template matches a concrete path: the `Allow` header of a 405. */
function allowedMethods(concretePath: string): string {
  const segments = concretePath.split("?")[0].split("/");
  const methods = new Set<string>();
  for (const route of ROUTES) {
    const template = route.template.split("/");
    if (template.length !== segments.length) continue;
    if (template.every((part, i) => (part.startsWith("{") ? segments[i] !== "" : part === segments[i]))) methods.add(route.method);
  }
  return [...methods].sort().join(", ");
}

const ONE_MIB = 1024 * 1024;

describe("bad input on every REST route", function () {
  let daemon: E2eDaemon;
  let url: string;
  let ids: Ids;
  let snapshot: string;

  /** A request that cannot hang: a stream route that wrongly accepts bad input is cut after 5 s. */
  async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<RestResponse> {
    const init: RequestInit = { method, headers, signal: AbortSignal.timeout(5000) };
    if (body !== undefined) init.body = body;
    let response: Response;
    try {
      response = await fetch(url + path, init);
    } catch (error) {
      throw new Error(`${method} ${path} failed: ${String(error)}`);
    }
    const text = await response.text().catch((error: unknown) => `<stream not refused: ${String(error)}>`);
    let parsed: unknown = text;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      // Not JSON: the assertions report it.
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }

  const json = (method: string, path: string, value: unknown) =>
    call(method, path, typeof value === "string" ? value : JSON.stringify(value), { "content-type": "application/json" });

  /** Everything the API can show about the state, so that any change made by a refused request is seen. */
  async function captureState(): Promise<string> {
    const paths = [
      "/api/projects", "/api/work", "/api/inbox?limit=100", "/api/inbox/counts", "/api/sessions", "/api/events?limit=1000",
      "/api/events/pending",
    ];
    const parts: Record<string, unknown> = {};
    for (const path of paths) {
      const res = await call("GET", path);
      expect(res.status, `${path}: ${res.text}`).to.equal(200);
      parts[path] = res.body;
    }
    return JSON.stringify(parts, null, 1);
  }

  async function expectHealthyAndUnchanged(): Promise<void> {
    const health = await call("GET", "/api/health");
    expect(health.status).to.equal(200);
    expect(health.body.status).to.equal("ok");
    expect(await captureState()).to.equal(snapshot);
  }

  before(async function () {
    daemon = await startE2eDaemon();
    url = daemon.url;
    // A paused project (so no agent is ever started) with queued work, a message and a session: the valid
    // form of each request below would act on these, so only the bad part of the input can refuse it.
    const project = await registerPausedProject(daemon);
    const work = await addWork(url, project.id, { content: "seeded work" });
    await addWork(url, project.id, { content: "seeded dependent", depends_on: [work.id] });
    expect((await json("POST", "/api/inbox", { project_id: project.id, content: "seeded message" })).status).to.equal(201);
    const session = await json("POST", "/api/sessions", { project_id: project.id });
    expect(session.status).to.equal(201);
    ids = { project: project.id, work: work.id, session: session.body.id, event: "event-000000000000" };
    snapshot = await captureState();
  });

  after(async function () {
    await daemon?.dispose();
  });

  it("covers every google.api.http binding of the proto", function () {
    const covered = ROUTES.map((route) => `${route.method} ${route.template} body=${route.body}`).sort();
    expect(covered).to.deep.equal(annotatedBindings());
  });

  for (const route of ROUTES) {
    describe(`${route.method} ${route.template}`, function () {
      it("answers a wrong method with 405 and an Allow header", async function () {
        const path = route.path(ids);
        const allowed = allowedMethods(path).split(", ");
        const wrong = (["PATCH", "PUT", "POST", "DELETE"] as const).find((method) => !allowed.includes(method)) as string;
        const res = await call(wrong, path, "{}", { "content-type": "application/json" });
        expectRestError(res, 405, "METHOD_NOT_ALLOWED", wrong);
        expect(res.headers.get("allow")).to.equal(allowedMethods(path));
      });

      it("answers an unknown sub-path with 404 ROUTE_NOT_FOUND", async function () {
        const res = await call(route.method, `${route.path(ids)}/no-such/route`);
        expectRestError(res, 404, "ROUTE_NOT_FOUND", "/no-such/route");
      });

      if (route.body === "") {
        it("refuses an unknown query parameter with 400 naming it", async function () {
          const res = await call(route.method, `${route.path(ids)}?no_such_param=1`);
          expectRestError(res, 400, "UNKNOWN_FIELD", "no_such_param");
        });
      } else {
        it("refuses malformed JSON with 400 MALFORMED_JSON", async function () {
          for (const text of ['{"content": ', "{'single': 'quotes'}", '{"a": 1} trailing', "undefined", "{,}"]) {
            expectRestError(await json(route.method, route.path(ids), text), 400, "MALFORMED_JSON", "JSON");
          }
        });

        if (route.body === "*") {
          it("refuses a body that is not a JSON object with 400", async function () {
            for (const text of ["[]", "[1, 2]", "42", '"text"', "true", "null"]) {
              expectRestError(await json(route.method, route.path(ids), text), 400, "MALFORMED_JSON", "object");
            }
          });

          it("refuses an unknown field with 400 naming it", async function () {
            const res = await json(route.method, route.path(ids), { no_such_field: "x" });
            expectRestError(res, 400, "UNKNOWN_FIELD", "no_such_field");
          });
        } else {
          it(`refuses a ${route.body} that is not a JSON object with 400 naming it`, async function () {
            for (const text of ["[1]", '"text"', "42"]) {
              expectRestError(await json(route.method, route.path(ids), text), 400, "INVALID_FIELD_VALUE", route.body);
            }
          });
        }

        it("refuses a body over 1 MiB with 413 BODY_TOO_LARGE", async function () {
          const body = JSON.stringify({ content: "x".repeat(ONE_MIB + 16) });
          const raw = await rawRequest(url, route.method, route.path(ids), body, {
            "content-type": "application/json",
            "content-length": String(Buffer.byteLength(body)),
          });
          expectRestError(asRestResponse(raw), 413, "BODY_TOO_LARGE", String(ONE_MIB));
        });

        it("refuses a body over 1 MiB sent without Content-Length (chunked) with 413", async function () {
          const body = JSON.stringify({ content: "y".repeat(ONE_MIB + 16) });
          const raw = await rawRequest(url, route.method, route.path(ids), body, {
            "content-type": "application/json",
            "transfer-encoding": "chunked",
          });
          expectRestError(asRestResponse(raw), 413, "BODY_TOO_LARGE");
        });

        it("refuses a non-JSON content type with 415", async function () {
          const cases: Array<[string, string]> = [
            ["text/plain", JSON.stringify({ content: "x" })],
            ["application/x-www-form-urlencoded", "content=x&priority=high"],
            ["multipart/form-data; boundary=xyz", '--xyz\r\nContent-Disposition: form-data; name="content"\r\n\r\nx\r\n--xyz--\r\n'],
            ["application/xml", "<content>x</content>"],
          ];
          for (const [type, body] of cases) {
            const res = await call(route.method, route.path(ids), body, { "content-type": type });
            expectRestError(res, 415, "UNSUPPORTED_MEDIA_TYPE", type.split(";")[0]);
          }
        });

        it("refuses a JSON body without Content-Type with 415 naming the header", async function () {
          const raw = await rawRequest(url, route.method, route.path(ids), JSON.stringify({ content: "x" }), { "content-length": "15" });
          expectRestError(asRestResponse(raw), 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type");
        });
      }

      const wrongType = route.wrongType;
      if (wrongType) {
        it(`refuses a wrong-typed ${wrongType.field} with 400 naming it`, async function () {
          const res =
            route.body === ""
              ? await call(route.method, `${route.path(ids)}?${wrongType.field}=${encodeURIComponent(String(wrongType.value))}`)
              : await json(route.method, route.path(ids), { [wrongType.field]: wrongType.value });
          expectRestError(res, 400, "INVALID_FIELD_VALUE", wrongType.field);
        });
      }

      const missing = route.missing;
      if (missing) {
        it(`refuses a missing ${missing.field} with 400 naming it`, async function () {
          const res = await json(route.method, route.path(ids), missing.body(ids));
          expectRestError(res, 400, "INVALID_ARGUMENT", missing.field);
        });
      }

      for (const field of route.enums ?? []) {
        it(`refuses an unknown ${field.field} word with 400 naming it and the accepted words`, async function () {
          const res =
            route.body === ""
              ? await call(route.method, `${route.path(ids)}?${field.field}=urgentish`)
              : await json(route.method, route.path(ids), { ...field.base?.(ids), [field.field]: "urgentish" });
          expectRestError(res, 400, "INVALID_FIELD_VALUE", field.field);
          expect(res.body.message).to.include("urgentish").and.match(/expected one of \w+/);
        });
      }

      it("leaves the daemon healthy and its state unchanged", async function () {
        await expectHealthyAndUnchanged();
      });
    });
  }

  describe("anywhere", function () {
    it("answers unknown routes with 404 ROUTE_NOT_FOUND", async function () {
      // Other GET paths are the dashboard's deep links (test/web/dashboard-serving.test.ts).
      for (const path of ["/api", "/api/", "/api/nothing", "/api/projectsx", "/api/health/", "/api/v2/projects"]) {
        expectRestError(await call("GET", path), 404, "ROUTE_NOT_FOUND");
      }
    });

    it("answers a path segment left empty with 404, not a call with an empty id", async function () {
      for (const [method, path] of [["GET", "/api/projects/"], ["POST", "/api/projects//pause"], ["POST", "/api/work//complete"]]) {
        expectRestError(await call(method, path), 404, "ROUTE_NOT_FOUND");
      }
    });

    it("answers malformed percent-encoding or odd characters in a path id with a 4xx", async function () {
      for (const path of ["/api/projects/%E0%A4%A", "/api/projects/%ZZ", "/api/work/a%2Fb", "/api/projects/%00", "/api/events/..%2F..%2Fetc"]) {
        expectClientError(await call("GET", path));
      }
    });

    it("answers OPTIONS and HEAD with 405 and an Allow header", async function () {
      const options = await call("OPTIONS", "/api/projects");
      expectRestError(options, 405, "METHOD_NOT_ALLOWED");
      expect(options.headers.get("allow")).to.equal("GET, POST");
      const head = await call("HEAD", "/api/health");
      expect(head.status).to.equal(405);
      expect(head.headers.get("allow")).to.equal("GET");
    });

    it("refuses a query parameter given twice", async function () {
      const res = await call("GET", `/api/work?state=queued&state=completed`);
      expectRestError(res, 400, "INVALID_FIELD_VALUE", "state");
    });

    it("refuses a negative after_seq before streaming", async function () {
      expectRestError(await call("GET", "/api/changes?after_seq=-1"), 400, "INVALID_ARGUMENT", "after_seq");
    });

    it("refuses a Last-Event-ID that is not a sequence number", async function () {
      const res = await call("GET", "/api/changes", undefined, { accept: "text/event-stream", "last-event-id": "yesterday" });
      expectRestError(res, 400, "INVALID_FIELD_VALUE", "after_seq");
    });

    it("refuses out-of-range numbers with 400 naming the field", async function () {
      expectRestError(await call("GET", "/api/inbox?limit=99999999999"), 400, "INVALID_FIELD_VALUE", "limit");
      expectRestError(await call("GET", "/api/inbox?limit=500"), 400, "INVALID_ARGUMENT", "limit");
      expectRestError(await call("GET", "/api/inbox?offset=-1"), 400, "INVALID_ARGUMENT", "offset");
      expectRestError(await call("GET", "/api/events?limit=5000"), 400, "INVALID_ARGUMENT", "limit");
    });

    it("refuses a non-integer enum number with 400 naming the field", async function () {
      const res = await json("POST", "/api/work", { project_id: ids.project, content: "x", priority: 1.5 });
      expect(res.status).to.equal(400);
      expect(`${res.body.message} ${JSON.stringify(res.body.details)}`.toLowerCase()).to.include("priority");
    });

    it("refuses wrong-typed values in nested and list fields with 400 naming the field", async function () {
      expectRestError(await json("POST", "/api/work", { project_id: ids.project, content: "x", depends_on: [1] }), 400, "INVALID_FIELD_VALUE", "depends_on");
      expectRestError(await json("POST", "/api/work", { project_id: ids.project, content: "x", depends_on: [null] }), 400, "INVALID_FIELD_VALUE", "depends_on");
      expectRestError(await json("POST", "/api/projects", { path: { nested: true } }), 400, "INVALID_FIELD_VALUE", "path");
      expectRestError(await json("POST", "/api/work", { project_id: ids.project, content: "x", priority: { high: true } }), 400, "INVALID_FIELD_VALUE", "priority");
    });

    it("leaves the daemon healthy and its state unchanged after all of the above", async function () {
      await expectHealthyAndUnchanged();
    });
  });

  describe("beyond the gateway's own checks", function () {
    // These may change state if the daemon wrongly accepts them, so they run after the checks above.

    it("refuses a body-less form post (a cross-site <form>) on every POST route with 415", async function () {
      const victim = await registerPausedProject(daemon);
      const item = await addWork(url, victim.id, { content: "must stay queued" });
      const session = await json("POST", "/api/sessions", { project_id: victim.id });
      const victimIds: Ids = { project: victim.id, work: item.id, session: session.body.id, event: "event-000000000000" };
      const accepted: string[] = [];
      for (const route of ROUTES.filter((candidate) => candidate.method === "POST")) {
        const path = route.path(victimIds);
        const res = await call("POST", path, "", { "content-type": "application/x-www-form-urlencoded" });
        expect(res.status, `${path}: ${res.text}`).to.be.below(500);
        if (res.status !== 415) accepted.push(`POST ${route.template} -> ${res.status}`);
      }
      expect(accepted, "routes that did not answer 415 to a form post with an empty body").to.deep.equal([]);
    });

    it("answers an unknown enum number with 400 naming the field, never 500", async function () {
      const quiet = await registerPausedProject(daemon);
      const cases: Array<[string, string, unknown]> = [
        ["POST", "/api/work", { project_id: quiet.id, content: "x", priority: 42 }],
        ["POST", "/api/work", { project_id: quiet.id, content: "x", priority: "42" }],
        ["POST", "/api/work", { project_id: quiet.id, content: "x", priority: -1 }],
        ["POST", "/api/inbox", { project_id: quiet.id, content: "x", priority: 9 }],
        ["GET", "/api/work?state=42", undefined],
        ["GET", "/api/work?priority=7", undefined],
        ["GET", "/api/inbox?priority=42", undefined],
        ["GET", "/api/inbox?state=3", undefined],
        ["GET", "/api/events?status=9", undefined],
        ["GET", "/api/events?type=99", undefined],
        ["GET", "/api/changes?kinds=99", undefined],
      ];
      const wrong: string[] = [];
      for (const [method, path, body] of cases) {
        const res = body === undefined ? await call(method, path) : await json(method, path, body);
        const names = `${res.body?.message ?? ""} ${JSON.stringify(res.body?.details ?? [])}`;
        if (res.status !== 400) wrong.push(`${method} ${path} ${JSON.stringify(body ?? "")} -> ${res.status} ${res.body?.message ?? res.text}`);
        else if (!/priority|state|status|type|kinds/.test(names)) wrong.push(`${method} ${path}: the error does not name the field`);
      }
      expect(wrong, "unknown enum numbers not refused with 400").to.deep.equal([]);
    });

    it("refuses a request whose Host header names a foreign site (DNS rebinding) with 403", async function () {
      // config: allowed_hosts lists the Host values accepted "besides the bind address, localhost and
      // 127.0.0.1"; the catalogue's FORBIDDEN_ORIGIN covers "a foreign Host or Origin header".
      const raw = await rawRequest(url, "GET", "/api/projects", undefined, { host: "attacker.example:8765" });
      expect(raw.status, raw.text).to.equal(403);
      expect(raw.body?.message, raw.text).to.include("attacker.example");
      const allowed = await rawRequest(url, "GET", "/api/health", undefined, { host: `localhost:${daemon.port}` });
      expect(allowed.status).to.equal(200);
    });

    it("refuses a state-changing request from a foreign browser Origin with 403 FORBIDDEN_ORIGIN", async function () {
      const victim = await registerPausedProject(daemon);
      const res = await call("POST", `/api/projects/${victim.id}/resume`, "{}", {
        "content-type": "application/json",
        origin: "https://attacker.example",
      });
      expectRestError(res, 403, "FORBIDDEN_ORIGIN", "attacker.example");
      expect(res.headers.get("access-control-allow-origin")).to.equal(null);
      expect((await call("GET", `/api/projects/${victim.id}`)).body.state).to.equal("paused");
    });

    it("refuses a cross-site CORS preflight with 403", async function () {
      const res = await call("OPTIONS", "/api/work", undefined, {
        origin: "https://attacker.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      });
      expect(res.status).to.equal(403);
      expect(res.headers.get("access-control-allow-origin")).to.equal(null);
    });

    it("is still healthy at the end", async function () {
      const health = await call("GET", "/api/health");
      expect(health.status).to.equal(200);
      expect(health.body.status).to.equal("ok");
    });
  });
});
