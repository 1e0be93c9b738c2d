// End-to-end tests of the REST API against the real daemon process: every route of the usage guide
// (/work/shared/reference/usage-guide.md), every route of the original implementation that we also
// serve (original-behaviour.md §1.1), and the guide's "Common Workflows" 1 to 3 as printed.
import { randomUUID } from "node:crypto";
import { realpath, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { START_TIMEOUT_MS } from "../support/daemon-process.js";
import { rest } from "../support/rest-client.js";
import { waitFor } from "../support/wait-for.js";
import {
  addWork,
  expectRestError,
  expectTimestamp,
  readNdjsonUntil,
  readSseUntil,
  registerPausedProject,
  registerProject,
  runtimesRunning,
  startE2eDaemon,
  type E2eDaemon,
} from "./support/e2e-daemon.js";

const ID = {
  project: /^project-[0-9a-f]{12}$/,
  session: /^session-[0-9a-f]{12}$/,
  work: /^work-[0-9a-f]{12}$/,
  message: /^msg-[0-9a-f]{12}$/,
  event: /^event-[0-9a-f]{12}$/,
};

/** Waits until the project has a pending event (agents that fail to start raise one) and returns it. */
async function pendingEventOf(url: string, projectId: string): Promise<any> {
  return waitFor(
    async () => {
      const res = await rest(url, "GET", `/api/events/pending?project_id=${projectId}`);
      return res.status === 200 && res.body.events.length > 0 ? res.body.events[0] : undefined;
    },
    { timeoutMs: 15_000, what: `a pending event of project ${projectId}` },
  );
}

/** Above the daemon helper's start timeout, so that a start that is too slow fails with the daemon's output. */
const START_WAIT_MS = START_TIMEOUT_MS + 10_000;

describe("REST API (usage guide routes)", function () {
  let daemon: E2eDaemon;
  let url: string;

  before(async function () {
    this.timeout(START_WAIT_MS);
    // Debug logging makes the gateway log each finished request, which shows a stream being released.
    daemon = await startE2eDaemon({ args: ["--log-level", "debug"] });
    url = daemon.url;
  });

  after(async function () {
    await daemon?.dispose();
  });

  describe("GET /api/health", function () {
    it("answers 200 with status ok and version 1.0.0", async function () {
      const res = await rest(url, "GET", "/api/health");
      expect(res.status).to.equal(200);
      expect(res.headers.get("content-type")).to.match(/^application\/json/);
      expect(res.body).to.include({ status: "ok", version: "1.0.0" });
      expect(res.body.problems).to.deep.equal([]);
    });

    it("acknowledges problems with POST /api/health/acknowledge", async function () {
      const res = await rest(url, "POST", "/api/health/acknowledge");
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ acknowledged: [] });
    });

    it("echoes the caller's x-request-id", async function () {
      const res = await rest(url, "GET", "/api/health", undefined, { "x-request-id": "e2e-request-42" });
      expect(res.headers.get("x-request-id")).to.equal("e2e-request-42");
    });
  });

  describe("projects", function () {
    it("registers a directory with 201 and answers the project as the guide shows", async function () {
      const dir = await daemon.newProjectDir();
      const res = await rest(url, "POST", "/api/projects", { path: dir, name: "My Project" });
      expect(res.status).to.equal(201);
      expect(res.body.id).to.match(ID.project);
      expect(res.body).to.include({
        path: await realpath(dir),
        name: "My Project",
        state: "idle",
        state_reason: null,
        runtime: "claude-code",
        pending_events_count: 0,
        queued_work_count: 0,
      });
      expectTimestamp(res.body.created_at);
      expectTimestamp(res.body.last_activity);
    });

    it("defaults the name to the directory's base name", async function () {
      const dir = await daemon.newProjectDir("named-after-dir");
      const project = await registerProject(daemon, { path: dir });
      expect(project.name).to.equal(dir.split("/").pop());
    });

    it("stores the path with symbolic links resolved", async function () {
      const dir = await daemon.newProjectDir("link-target");
      const link = `${dir}-link`;
      await symlink(dir, link);
      const project = await registerProject(daemon, { path: link });
      expect(project.path).to.equal(await realpath(dir));
    });

    it("stores the path without a trailing slash or dot segments", async function () {
      const dir = await daemon.newProjectDir("dots");
      const project = await registerProject(daemon, { path: `${dir}/./` });
      expect(project.path).to.equal(await realpath(dir));
    });

    it("accepts a project id chosen by the caller", async function () {
      const project = await registerProject(daemon, { project_id: "chosen-id_1.x" });
      expect(project.id).to.equal("chosen-id_1.x");
    });

    it("returns ALREADY_EXISTS (409) for a directory registered twice", async function () {
      const dir = await daemon.newProjectDir();
      const first = await registerProject(daemon, { path: dir });
      const res = await rest(url, "POST", "/api/projects", { path: dir });
      expectRestError(res, 409, "PROJECT_ALREADY_EXISTS", first.id);
    });

    it("returns ALREADY_EXISTS (409) for the same directory reached through a symbolic link", async function () {
      const dir = await daemon.newProjectDir();
      await registerProject(daemon, { path: dir });
      await symlink(dir, `${dir}-alias`);
      const res = await rest(url, "POST", "/api/projects", { path: `${dir}-alias` });
      expectRestError(res, 409, "PROJECT_ALREADY_EXISTS");
    });

    it("returns ALREADY_EXISTS (409) for a chosen id that is taken", async function () {
      await registerProject(daemon, { project_id: "taken-id" });
      const res = await rest(url, "POST", "/api/projects", { path: await daemon.newProjectDir(), project_id: "taken-id" });
      expectRestError(res, 409, "PROJECT_ALREADY_EXISTS", "taken-id");
    });

    it("returns INVALID_ARGUMENT (400 INVALID_PATH) for a relative path", async function () {
      const res = await rest(url, "POST", "/api/projects", { path: "relative/dir" });
      expectRestError(res, 400, "INVALID_PATH", "path");
    });

    it("returns INVALID_ARGUMENT (400 INVALID_PATH) for a path that does not exist", async function () {
      const res = await rest(url, "POST", "/api/projects", { path: `/nonexistent/${randomUUID()}` });
      expectRestError(res, 400, "INVALID_PATH", "does not exist");
    });

    it("returns INVALID_ARGUMENT (400 INVALID_PATH) for a path that is a file", async function () {
      const file = join(await daemon.newProjectDir(), "file.txt");
      await writeFile(file, "not a directory");
      const res = await rest(url, "POST", "/api/projects", { path: file });
      expectRestError(res, 400, "INVALID_PATH", "not a directory");
    });

    it("returns INVALID_ARGUMENT (400) naming path when the path is missing", async function () {
      const res = await rest(url, "POST", "/api/projects", { name: "no path" });
      expectRestError(res, 400, "INVALID_ARGUMENT", "path");
    });

    it("returns 400 UNKNOWN_RUNTIME naming runtime for an unknown runtime", async function () {
      const res = await rest(url, "POST", "/api/projects", { path: await daemon.newProjectDir(), runtime: "no-such-runtime" });
      expectRestError(res, 400, "UNKNOWN_RUNTIME", "runtime");
    });

    it("returns INVALID_ARGUMENT (400) naming project_id for a malformed chosen id", async function () {
      const res = await rest(url, "POST", "/api/projects", { path: await daemon.newProjectDir(), project_id: "bad id/with slash" });
      expectRestError(res, 400, "INVALID_ARGUMENT", "project_id");
    });

    it("lists projects wrapped in {projects} in registration order", async function () {
      const a = await registerProject(daemon, { name: "order-a" });
      const b = await registerProject(daemon, { name: "order-b" });
      const res = await rest(url, "GET", "/api/projects");
      expect(res.status).to.equal(200);
      expect(res.body).to.have.keys("projects", "next_page_token");
      const ids = res.body.projects.map((project: any) => project.id);
      expect(ids.indexOf(a.id)).to.be.greaterThan(-1);
      expect(ids.indexOf(b.id)).to.equal(ids.indexOf(a.id) + 1);
      expect(res.body.projects.find((project: any) => project.id === b.id)).to.deep.equal(b);
    });

    it("returns one project with state_reason null", async function () {
      const project = await registerProject(daemon, { name: "get-me" });
      const res = await rest(url, "GET", `/api/projects/${project.id}`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal(project);
      expect(res.body.state_reason).to.equal(null);
    });

    it("returns NOT_FOUND for an unknown project", async function () {
      for (const [method, path] of [
        ["GET", "/api/projects/project-000000000000"],
        ["DELETE", "/api/projects/project-000000000000"],
        ["POST", "/api/projects/project-000000000000/pause"],
        ["POST", "/api/projects/project-000000000000/resume"],
      ]) {
        expectRestError(await rest(url, method, path), 404, "PROJECT_NOT_FOUND", "project-000000000000");
      }
    });

    it("pauses a project with its reason and resumes it", async function () {
      const project = await registerProject(daemon);
      const paused = await rest(url, "POST", `/api/projects/${project.id}/pause`, { reason: "lunch break" });
      expect(paused.status).to.equal(200);
      expect(paused.body).to.include({ id: project.id, state: "paused", state_reason: "lunch break" });
      expect((await rest(url, "GET", `/api/projects/${project.id}`)).body.state).to.equal("paused");
      const resumed = await rest(url, "POST", `/api/projects/${project.id}/resume`);
      expect(resumed.status).to.equal(200);
      expect(resumed.body).to.include({ id: project.id, state: "idle", state_reason: null });
    });

    it("returns FAILED_PRECONDITION (400 PROJECT_STATE_CONFLICT) naming the state when pausing twice", async function () {
      const project = await registerProject(daemon);
      expect((await rest(url, "POST", `/api/projects/${project.id}/pause`)).status).to.equal(200);
      const res = await rest(url, "POST", `/api/projects/${project.id}/pause`);
      expectRestError(res, 400, "PROJECT_STATE_CONFLICT", "paused");
    });

    it("returns FAILED_PRECONDITION (400 PROJECT_STATE_CONFLICT) naming the state when resuming a project that is not paused", async function () {
      const project = await registerProject(daemon);
      const res = await rest(url, "POST", `/api/projects/${project.id}/resume`);
      expectRestError(res, 400, "PROJECT_STATE_CONFLICT", "idle");
    });

    it("counts waiting work in queued_work_count", async function () {
      const project = await registerPausedProject(daemon);
      await addWork(url, project.id);
      await addWork(url, project.id);
      const res = await rest(url, "GET", `/api/projects/${project.id}`);
      expect(res.body.queued_work_count).to.equal(2);
    });

    it("unregisters a project with 204 and an empty body, removing its work, inbox and session", async function () {
      const project = await registerPausedProject(daemon);
      const work = await addWork(url, project.id);
      const message = await rest(url, "POST", "/api/inbox", { project_id: project.id, content: "bye" });
      const session = await rest(url, "POST", "/api/sessions", { project_id: project.id });
      expect(session.status).to.equal(201);

      const res = await rest(url, "DELETE", `/api/projects/${project.id}`);
      expect(res.status).to.equal(204);
      expect(res.text).to.equal("");

      expectRestError(await rest(url, "GET", `/api/projects/${project.id}`), 404, "PROJECT_NOT_FOUND");
      expectRestError(await rest(url, "GET", `/api/work/${work.id}`), 404, "WORK_NOT_FOUND");
      expectRestError(await rest(url, "GET", `/api/events?project_id=${project.id}`), 404, "PROJECT_NOT_FOUND");
      const work_items = (await rest(url, "GET", "/api/work")).body.work_items;
      expect(work_items.map((item: any) => item.project_id)).to.not.include(project.id);
      const inbox = (await rest(url, "GET", "/api/inbox?limit=100")).body.messages;
      expect(inbox.map((item: any) => item.id)).to.not.include(message.body.id);
      const sessions = (await rest(url, "GET", "/api/sessions")).body.sessions;
      expect(sessions.map((item: any) => item.id)).to.not.include(session.body.id);
    });

    it("unregisters with ?force=true", async function () {
      const project = await registerPausedProject(daemon);
      await addWork(url, project.id);
      const res = await rest(url, "DELETE", `/api/projects/${project.id}?force=true`);
      expect(res.status).to.equal(204);
      expectRestError(await rest(url, "GET", `/api/projects/${project.id}`), 404, "PROJECT_NOT_FOUND");
    });

    it("registers a directory again after it was unregistered", async function () {
      const dir = await daemon.newProjectDir();
      const first = await registerPausedProject(daemon, { path: dir });
      expect((await rest(url, "DELETE", `/api/projects/${first.id}`)).status).to.equal(204);
      const second = await registerPausedProject(daemon, { path: dir });
      expect(second.id).to.not.equal(first.id);
    });
  });

  describe("sessions", function () {
    it("creates a stopped session record with 201", async function () {
      const project = await registerProject(daemon);
      const res = await rest(url, "POST", "/api/sessions", { project_id: project.id });
      expect(res.status).to.equal(201);
      expect(res.body.id).to.match(ID.session);
      expect(res.body).to.include({
        project_id: project.id,
        runtime: "claude-code",
        state: "stopped",
        state_reason: null,
        tmux_target: "",
        pid: 0,
        current_work_id: null,
        started_at: null,
      });
      expectTimestamp(res.body.created_at);
    });

    it("returns ALREADY_EXISTS (409 SESSION_ALREADY_EXISTS) for a second session of a project", async function () {
      const project = await registerProject(daemon);
      const first = await rest(url, "POST", "/api/sessions", { project_id: project.id });
      const res = await rest(url, "POST", "/api/sessions", { project_id: project.id });
      expectRestError(res, 409, "SESSION_ALREADY_EXISTS", first.body.id);
    });

    it("creates a session with another runtime than the project's", async function () {
      const project = await registerProject(daemon);
      const res = await rest(url, "POST", "/api/sessions", { project_id: project.id, runtime: "shell" });
      expect(res.status).to.equal(201);
      expect(res.body.runtime).to.equal("shell");
    });

    it("returns 400 UNKNOWN_RUNTIME naming runtime for an unknown runtime", async function () {
      const project = await registerProject(daemon);
      const res = await rest(url, "POST", "/api/sessions", { project_id: project.id, runtime: "mpm" });
      expectRestError(res, 400, "UNKNOWN_RUNTIME", "runtime");
    });

    it("returns NOT_FOUND for a session of an unknown project", async function () {
      expectRestError(await rest(url, "POST", "/api/sessions", { project_id: "project-000000000000" }), 404, "PROJECT_NOT_FOUND");
      expectRestError(await rest(url, "GET", "/api/sessions/project-000000000000"), 404, "PROJECT_NOT_FOUND");
    });

    it("returns the session of a project with GET /api/sessions/{project_id}", async function () {
      const project = await registerProject(daemon);
      const created = await rest(url, "POST", "/api/sessions", { project_id: project.id });
      const res = await rest(url, "GET", `/api/sessions/${project.id}`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal(created.body);
    });

    it("returns NOT_FOUND (SESSION_NOT_FOUND) for a project without a session", async function () {
      const project = await registerProject(daemon);
      expectRestError(await rest(url, "GET", `/api/sessions/${project.id}`), 404, "SESSION_NOT_FOUND", project.id);
      expectRestError(await rest(url, "POST", `/api/sessions/${project.id}/stop`), 404, "SESSION_NOT_FOUND");
    });

    it("lists sessions wrapped in {sessions}, optionally of one project", async function () {
      const a = await registerProject(daemon);
      const b = await registerProject(daemon);
      const sa = (await rest(url, "POST", "/api/sessions", { project_id: a.id })).body;
      const sb = (await rest(url, "POST", "/api/sessions", { project_id: b.id })).body;
      const all = await rest(url, "GET", "/api/sessions");
      expect(all.status).to.equal(200);
      expect(all.body.sessions.map((session: any) => session.id)).to.include.members([sa.id, sb.id]);
      const one = await rest(url, "GET", `/api/sessions?project_id=${a.id}`);
      expect(one.body).to.deep.equal({ sessions: [sa], next_page_token: "" });
      expectRestError(await rest(url, "GET", "/api/sessions?project_id=project-000000000000"), 404, "PROJECT_NOT_FOUND");
    });

    it("answers POST /api/sessions/{project_id}/start with JSON and never a 5xx", async function () {
      // Real agents are tested in test/agents; here only the route's contract: a session or an error status.
      const project = await registerProject(daemon);
      const res = await rest(url, "POST", `/api/sessions/${project.id}/start`);
      expect(res.status, res.text).to.be.below(500);
      expect(res.headers.get("content-type")).to.match(/^application\/json/);
      if (res.status === 200) expect(res.body.project_id).to.equal(project.id);
      else expect(res.body.details[0].reason).to.be.a("string");
      expectRestError(await rest(url, "POST", "/api/sessions/project-000000000000/start"), 404, "PROJECT_NOT_FOUND");
    });

    it("stops a stopped session and keeps its record", async function () {
      const project = await registerProject(daemon);
      const created = (await rest(url, "POST", "/api/sessions", { project_id: project.id })).body;
      const res = await rest(url, "POST", `/api/sessions/${project.id}/stop`);
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ id: created.id, state: "stopped" });
      expect((await rest(url, "GET", `/api/sessions/${project.id}`)).status).to.equal(200);
    });

    it("deletes a session by its id with 204 and an empty body", async function () {
      const project = await registerProject(daemon);
      const created = (await rest(url, "POST", "/api/sessions", { project_id: project.id })).body;
      const res = await rest(url, "DELETE", `/api/sessions/${created.id}`);
      expect(res.status).to.equal(204);
      expect(res.text).to.equal("");
      expectRestError(await rest(url, "GET", `/api/sessions/${project.id}`), 404, "SESSION_NOT_FOUND");
      expectRestError(await rest(url, "DELETE", `/api/sessions/${created.id}`), 404, "SESSION_NOT_FOUND");
    });

    it("deletes a session by its project's id", async function () {
      const project = await registerProject(daemon);
      await rest(url, "POST", "/api/sessions", { project_id: project.id });
      expect((await rest(url, "DELETE", `/api/sessions/${project.id}`)).status).to.equal(204);
      expectRestError(await rest(url, "GET", `/api/sessions/${project.id}`), 404, "SESSION_NOT_FOUND");
    });

    it("answers GET /api/sessions/{project_id}/output with NOT_FOUND when no agent runs", async function () {
      const project = await registerProject(daemon);
      const res = await rest(url, "GET", `/api/sessions/${project.id}/output`);
      expect(res.status).to.equal(404);
      expect(res.body.details[0].reason).to.be.oneOf(["SESSION_NOT_FOUND", "PROJECT_NOT_FOUND"]);
      expectRestError(await rest(url, "GET", "/api/sessions/project-000000000000/output"), 404, "PROJECT_NOT_FOUND");
    });
  });

  describe("work queue", function () {
    it("adds a work item with 201, queued, with priority medium by default", async function () {
      const project = await registerPausedProject(daemon);
      const res = await rest(url, "POST", "/api/work", { project_id: project.id, content: "Implement feature X" });
      expect(res.status).to.equal(201);
      expect(res.body.id).to.match(ID.work);
      expect(res.body).to.deep.include({
        project_id: project.id,
        content: "Implement feature X",
        state: "queued",
        priority: "medium",
        depends_on: [],
        result: null,
        error: null,
        state_reason: null,
        blocked_by_event_id: null,
        attempts: 0,
        started_at: null,
        completed_at: null,
      });
      expectTimestamp(res.body.created_at);
    });

    it("adds a work item with the guide's body and priority high", async function () {
      const project = await registerPausedProject(daemon);
      const res = await rest(url, "POST", "/api/work", { project_id: project.id, content: "Implement feature X", priority: "high" });
      expect(res.status).to.equal(201);
      expect(res.body.priority).to.equal("high");
    });

    it("accepts priorities as words in any case, as enum names and as numbers", async function () {
      const project = await registerPausedProject(daemon);
      for (const priority of ["high", "HIGH", "High", "WORK_PRIORITY_HIGH", "work_priority_high", 3, "3"]) {
        const res = await rest(url, "POST", "/api/work", { project_id: project.id, content: "x", priority });
        expect(res.status, `priority ${JSON.stringify(priority)}: ${res.text}`).to.equal(201);
        expect(res.body.priority).to.equal("high");
      }
      for (const priority of ["low", "medium", "critical"]) {
        expect((await addWork(url, project.id, { priority })).priority).to.equal(priority);
      }
    });

    it("lists work wrapped in {work_items} in dispatch order: priority, then age", async function () {
      const project = await registerPausedProject(daemon);
      const low = await addWork(url, project.id, { priority: "low", content: "low" });
      const critical1 = await addWork(url, project.id, { priority: "critical", content: "critical 1" });
      const medium1 = await addWork(url, project.id, { content: "medium 1" });
      const high = await addWork(url, project.id, { priority: "high", content: "high" });
      const critical2 = await addWork(url, project.id, { priority: "critical", content: "critical 2" });
      const medium2 = await addWork(url, project.id, { priority: "medium", content: "medium 2" });
      const res = await rest(url, "GET", `/api/work?project_id=${project.id}`);
      expect(res.status).to.equal(200);
      expect(res.body).to.have.keys("work_items", "next_page_token");
      expect(res.body.work_items.map((item: any) => item.id)).to.deep.equal(
        [critical1, critical2, high, medium1, medium2, low].map((item) => item.id),
      );
    });

    it("filters work by project_id, state and priority", async function () {
      const a = await registerPausedProject(daemon);
      const b = await registerPausedProject(daemon);
      const a1 = await addWork(url, a.id, { priority: "high" });
      const a2 = await addWork(url, a.id, { priority: "low" });
      const b1 = await addWork(url, b.id, { priority: "high" });
      await rest(url, "POST", `/api/work/${a2.id}/complete`, { result: "ok" });

      const ofA = (await rest(url, "GET", `/api/work?project_id=${a.id}`)).body.work_items;
      expect(ofA.map((item: any) => item.id)).to.have.members([a1.id, a2.id]);
      const queuedOfA = (await rest(url, "GET", `/api/work?project_id=${a.id}&state=queued`)).body.work_items;
      expect(queuedOfA.map((item: any) => item.id)).to.deep.equal([a1.id]);
      const completedOfA = (await rest(url, "GET", `/api/work?project_id=${a.id}&state=COMPLETED`)).body.work_items;
      expect(completedOfA.map((item: any) => item.id)).to.deep.equal([a2.id]);
      const high = (await rest(url, "GET", "/api/work?priority=high")).body.work_items.map((item: any) => item.id);
      expect(high).to.include.members([a1.id, b1.id]);
      expect(high).to.not.include(a2.id);
      const highOfB = (await rest(url, "GET", `/api/work?project_id=${b.id}&priority=high&state=queued`)).body.work_items;
      expect(highOfB.map((item: any) => item.id)).to.deep.equal([b1.id]);
    });

    it("returns NOT_FOUND when listing the work of an unknown project", async function () {
      expectRestError(await rest(url, "GET", "/api/work?project_id=project-000000000000"), 404, "PROJECT_NOT_FOUND");
    });

    it("returns one work item with GET /api/work/{work_id}", async function () {
      const project = await registerPausedProject(daemon);
      const item = await addWork(url, project.id);
      const res = await rest(url, "GET", `/api/work/${item.id}`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal(item);
    });

    it("returns NOT_FOUND (WORK_NOT_FOUND) for an unknown work item", async function () {
      for (const [method, path] of [
        ["GET", "/api/work/work-000000000000"],
        ["POST", "/api/work/work-000000000000/complete"],
        ["POST", "/api/work/work-000000000000/fail"],
        ["POST", "/api/work/work-000000000000/cancel"],
      ]) {
        expectRestError(await rest(url, method, path), 404, "WORK_NOT_FOUND", "work-000000000000");
      }
    });

    it("completes a work item, recording its result", async function () {
      const project = await registerPausedProject(daemon);
      const item = await addWork(url, project.id);
      const res = await rest(url, "POST", `/api/work/${item.id}/complete`, { result: "Feature implemented successfully" });
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ id: item.id, state: "completed", result: "Feature implemented successfully", error: null });
      expectTimestamp(res.body.completed_at);
      expect((await rest(url, "GET", `/api/work/${item.id}`)).body).to.deep.equal(res.body);
    });

    it("returns FAILED_PRECONDITION (400 WORK_STATE_CONFLICT) naming the state when completing a completed item", async function () {
      const project = await registerPausedProject(daemon);
      const item = await addWork(url, project.id);
      await rest(url, "POST", `/api/work/${item.id}/complete`, { result: "once" });
      const res = await rest(url, "POST", `/api/work/${item.id}/complete`, { result: "twice" });
      expectRestError(res, 400, "WORK_STATE_CONFLICT", "completed");
      expect((await rest(url, "GET", `/api/work/${item.id}`)).body.result).to.equal("once");
    });

    it("fails a work item, recording its error", async function () {
      const project = await registerPausedProject(daemon);
      const item = await addWork(url, project.id);
      const res = await rest(url, "POST", `/api/work/${item.id}/fail`, { error: "tests do not pass" });
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ id: item.id, state: "failed", error: "tests do not pass", result: null });
      expectTimestamp(res.body.completed_at);
    });

    it("returns FAILED_PRECONDITION (400 WORK_STATE_CONFLICT) for failing or cancelling an item that has ended", async function () {
      const project = await registerPausedProject(daemon);
      const item = await addWork(url, project.id);
      await rest(url, "POST", `/api/work/${item.id}/fail`, { error: "broken" });
      expectRestError(await rest(url, "POST", `/api/work/${item.id}/fail`, { error: "again" }), 400, "WORK_STATE_CONFLICT", "failed");
      expectRestError(await rest(url, "POST", `/api/work/${item.id}/cancel`), 400, "WORK_STATE_CONFLICT", "failed");
      expectRestError(await rest(url, "POST", `/api/work/${item.id}/complete`), 400, "WORK_STATE_CONFLICT", "failed");
    });

    it("cancels a work item and, transitively, the items that depend on it", async function () {
      const project = await registerPausedProject(daemon);
      const a = await addWork(url, project.id, { content: "a" });
      const b = await addWork(url, project.id, { content: "b", depends_on: [a.id] });
      const c = await addWork(url, project.id, { content: "c", depends_on: [b.id] });
      const unrelated = await addWork(url, project.id, { content: "unrelated" });
      const res = await rest(url, "POST", `/api/work/${a.id}/cancel`, { reason: "not needed" });
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ id: a.id, state: "cancelled", error: "not needed" });
      const after = async (id: string) => (await rest(url, "GET", `/api/work/${id}`)).body;
      expect((await after(b.id)).state).to.equal("cancelled");
      expect((await after(b.id)).error).to.include(a.id);
      expect((await after(c.id)).state).to.equal("cancelled");
      expect((await after(unrelated.id)).state).to.equal("queued");
    });

    it("cancels the dependents of an item that fails", async function () {
      const project = await registerPausedProject(daemon);
      const a = await addWork(url, project.id);
      const b = await addWork(url, project.id, { depends_on: [a.id] });
      await rest(url, "POST", `/api/work/${a.id}/fail`, { error: "no" });
      expect((await rest(url, "GET", `/api/work/${b.id}`)).body.state).to.equal("cancelled");
    });

    it("records depends_on and keeps a dependent queued when its dependency completes", async function () {
      const project = await registerPausedProject(daemon);
      const a = await addWork(url, project.id);
      const b = await addWork(url, project.id, { depends_on: [a.id] });
      expect(b.depends_on).to.deep.equal([a.id]);
      await rest(url, "POST", `/api/work/${a.id}/complete`, { result: "done" });
      expect((await rest(url, "GET", `/api/work/${b.id}`)).body.state).to.equal("queued");
    });

    it("returns INVALID_ARGUMENT (400 INVALID_DEPENDENCY) for an unknown dependency", async function () {
      const project = await registerPausedProject(daemon);
      const res = await rest(url, "POST", "/api/work", { project_id: project.id, content: "x", depends_on: ["work-000000000000"] });
      expectRestError(res, 400, "INVALID_DEPENDENCY", "work-000000000000");
    });

    it("returns INVALID_ARGUMENT (400 INVALID_DEPENDENCY) for a dependency of another project", async function () {
      const a = await registerPausedProject(daemon);
      const b = await registerPausedProject(daemon);
      const other = await addWork(url, b.id);
      const res = await rest(url, "POST", "/api/work", { project_id: a.id, content: "x", depends_on: [other.id] });
      expectRestError(res, 400, "INVALID_DEPENDENCY", other.id);
    });

    it("returns INVALID_ARGUMENT (400 INVALID_DEPENDENCY) for a dependency listed twice", async function () {
      const project = await registerPausedProject(daemon);
      const a = await addWork(url, project.id);
      const res = await rest(url, "POST", "/api/work", { project_id: project.id, content: "x", depends_on: [a.id, a.id] });
      expectRestError(res, 400, "INVALID_DEPENDENCY", a.id);
    });

    it("returns INVALID_ARGUMENT (400 INVALID_DEPENDENCY) for a dependency that can never complete", async function () {
      const project = await registerPausedProject(daemon);
      const a = await addWork(url, project.id);
      await rest(url, "POST", `/api/work/${a.id}/cancel`);
      const res = await rest(url, "POST", "/api/work", { project_id: project.id, content: "x", depends_on: [a.id] });
      expectRestError(res, 400, "INVALID_DEPENDENCY", a.id);
    });

    it("returns INVALID_ARGUMENT (400) naming content for content with an ESC character", async function () {
      const project = await registerPausedProject(daemon);
      const res = await rest(url, "POST", "/api/work", { project_id: project.id, content: "clear the screen \u001b[2J now" });
      expectRestError(res, 400, "INVALID_ARGUMENT", "content");
      expect((await rest(url, "GET", `/api/work?project_id=${project.id}`)).body.work_items).to.deep.equal([]);
    });

    it("returns INVALID_ARGUMENT (400) naming content for empty or oversized content", async function () {
      const project = await registerPausedProject(daemon);
      expectRestError(await rest(url, "POST", "/api/work", { project_id: project.id, content: "   " }), 400, "INVALID_ARGUMENT", "content");
      const big = "x".repeat(64 * 1024 + 1);
      expectRestError(await rest(url, "POST", "/api/work", { project_id: project.id, content: big }), 400, "INVALID_ARGUMENT", "content");
    });

    it("accepts newlines and tabs in content", async function () {
      const project = await registerPausedProject(daemon);
      const item = await addWork(url, project.id, { content: "line one\n\tline two" });
      expect(item.content).to.equal("line one\n\tline two");
    });

    it("returns NOT_FOUND for work of an unknown project and INVALID_ARGUMENT for a missing project_id", async function () {
      expectRestError(await rest(url, "POST", "/api/work", { project_id: "project-000000000000", content: "x" }), 404, "PROJECT_NOT_FOUND");
      expectRestError(await rest(url, "POST", "/api/work", { content: "x" }), 400, "INVALID_ARGUMENT", "project_id");
    });
  });

  describe("events", function () {
    it("lists pending events wrapped in {events}", async function () {
      // Other tests of this daemon may have made an agent fail to start (an error event); the shape is
      // what matters here, and an empty list is checked on a project of its own below.
      const res = await rest(url, "GET", "/api/events/pending");
      expect(res.status).to.equal(200);
      expect(res.body).to.have.keys("events", "next_page_token");
      expect(res.body.events).to.be.an("array");
    });

    it("lists the pending events of one project", async function () {
      const project = await registerProject(daemon);
      const res = await rest(url, "GET", `/api/events/pending?project_id=${project.id}`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ events: [], next_page_token: "" });
    });

    it("returns NOT_FOUND for the pending events of an unknown project", async function () {
      expectRestError(await rest(url, "GET", "/api/events/pending?project_id=project-000000000000"), 404, "PROJECT_NOT_FOUND");
    });

    it("lists events of any status with filters", async function () {
      const project = await registerProject(daemon);
      const res = await rest(url, "GET", `/api/events?project_id=${project.id}&status=resolved&type=approval&limit=10`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ events: [], next_page_token: "" });
      expect((await rest(url, "GET", "/api/events")).body).to.have.keys("events", "next_page_token");
    });

    it("returns NOT_FOUND (EVENT_NOT_FOUND) for an unknown event", async function () {
      expectRestError(await rest(url, "GET", "/api/events/event-000000000000"), 404, "EVENT_NOT_FOUND", "event-000000000000");
      expectRestError(await rest(url, "POST", "/api/events/event-000000000000/dismiss"), 404, "EVENT_NOT_FOUND");
    });

    it("returns NOT_FOUND (EVENT_NOT_FOUND) when resolving an unknown event with the guide's `resolution`", async function () {
      const res = await rest(url, "POST", "/api/events/event-abc123/resolve", { resolution: "User confirmed action" });
      expectRestError(res, 404, "EVENT_NOT_FOUND", "event-abc123");
    });

    it("returns NOT_FOUND (EVENT_NOT_FOUND) when resolving an unknown event with the original's `response`", async function () {
      const res = await rest(url, "POST", "/api/events/event-abc123/resolve", { response: "User confirmed action" });
      expectRestError(res, 404, "EVENT_NOT_FOUND", "event-abc123");
    });

    it("accepts `resolution` and `response` together when they agree", async function () {
      const res = await rest(url, "POST", "/api/events/event-abc123/resolve", { resolution: "allow", response: "allow" });
      expectRestError(res, 404, "EVENT_NOT_FOUND");
    });

    it("returns INVALID_ARGUMENT (400) when `resolution` and `response` differ", async function () {
      const res = await rest(url, "POST", "/api/events/event-abc123/resolve", { resolution: "allow", response: "deny" });
      expectRestError(res, 400, "INVALID_ARGUMENT", "resolution");
    });

    it("returns INVALID_ARGUMENT (400) naming resolution when the answer is empty", async function () {
      expectRestError(await rest(url, "POST", "/api/events/event-abc123/resolve", {}), 400, "INVALID_ARGUMENT", "resolution");
      expectRestError(await rest(url, "POST", "/api/events/event-abc123/resolve", { resolution: "  " }), 400, "INVALID_ARGUMENT", "resolution");
    });
  });

  describe("inbox", function () {
    it("accepts a message with 201 as the guide shows", async function () {
      const project = await registerPausedProject(daemon);
      const res = await rest(url, "POST", "/api/inbox", {
        project_id: project.id,
        content: "User feedback: UI looks great!",
        priority: "normal",
      });
      expect(res.status).to.equal(201);
      expect(res.body.id).to.match(ID.message);
      expect(res.body).to.include({
        project_id: project.id,
        content: "User feedback: UI looks great!",
        priority: "normal",
        state: "pending",
        role: "user",
        session_id: null,
        delivered_at: null,
      });
      expectTimestamp(res.body.created_at);
    });

    it("defaults the priority to normal", async function () {
      const project = await registerPausedProject(daemon);
      const res = await rest(url, "POST", "/api/inbox", { project_id: project.id, content: "hello" });
      expect(res.status).to.equal(201);
      expect(res.body.priority).to.equal("normal");
    });

    it("lists messages wrapped in {messages} filtered by project_id and priority, most urgent first", async function () {
      const a = await registerPausedProject(daemon);
      const b = await registerPausedProject(daemon);
      const send = async (project: string, priority: string, content: string) =>
        (await rest(url, "POST", "/api/inbox", { project_id: project, content, priority })).body;
      const low = await send(a.id, "low", "low");
      const critical = await send(a.id, "CRITICAL", "critical");
      const high1 = await send(a.id, "high", "high 1");
      const high2 = await send(a.id, "EVENT_PRIORITY_HIGH", "high 2");
      await send(b.id, "high", "other project");

      const all = await rest(url, "GET", `/api/inbox?project_id=${a.id}`);
      expect(all.status).to.equal(200);
      expect(all.body.messages.map((m: any) => m.id)).to.deep.equal([critical.id, high1.id, high2.id, low.id]);
      expect(all.body.total).to.equal(4);
      const high = await rest(url, "GET", `/api/inbox?project_id=${a.id}&priority=high`);
      expect(high.body).to.deep.equal({ messages: [high1, high2], total: 2, next_page_token: "" });
      const pending = await rest(url, "GET", `/api/inbox?project_id=${a.id}&state=pending&limit=2&offset=1`);
      expect(pending.body.messages.map((m: any) => m.id)).to.deep.equal([high1.id, high2.id]);
      expect(pending.body.total).to.equal(4);
    });

    it("counts undelivered messages by priority, optionally of one project", async function () {
      const project = await registerPausedProject(daemon);
      for (const priority of ["critical", "high", "high", "normal", "low", "info"]) {
        await rest(url, "POST", "/api/inbox", { project_id: project.id, content: "count me", priority });
      }
      const res = await rest(url, "GET", `/api/inbox/counts?project_id=${project.id}`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ critical: 1, high: 2, normal: 1, low: 1, info: 1, total: 6 });
      const all = await rest(url, "GET", "/api/inbox/counts");
      expect(all.body.total).to.be.at.least(6);
    });

    it("returns NOT_FOUND for the inbox of an unknown project", async function () {
      const unknown = "project-000000000000";
      expectRestError(await rest(url, "POST", "/api/inbox", { project_id: unknown, content: "x" }), 404, "PROJECT_NOT_FOUND");
      expectRestError(await rest(url, "GET", `/api/inbox?project_id=${unknown}`), 404, "PROJECT_NOT_FOUND");
      expectRestError(await rest(url, "GET", `/api/inbox/counts?project_id=${unknown}`), 404, "PROJECT_NOT_FOUND");
    });

    it("returns INVALID_ARGUMENT (400) naming content for content with an ESC character or none", async function () {
      const project = await registerPausedProject(daemon);
      expectRestError(await rest(url, "POST", "/api/inbox", { project_id: project.id, content: "\u001b]0;title\u0007" }), 400, "INVALID_ARGUMENT", "content");
      expectRestError(await rest(url, "POST", "/api/inbox", { project_id: project.id, content: "" }), 400, "INVALID_ARGUMENT", "content");
    });

    it("returns INVALID_ARGUMENT (400) naming session_id for a session that is not the project's", async function () {
      const project = await registerPausedProject(daemon);
      const res = await rest(url, "POST", "/api/inbox", { project_id: project.id, content: "x", session_id: "session-000000000000" });
      expectRestError(res, 400, "INVALID_ARGUMENT", "session_id");
    });

    it("accepts the project's own session id", async function () {
      const project = await registerPausedProject(daemon);
      const session = (await rest(url, "POST", "/api/sessions", { project_id: project.id })).body;
      const res = await rest(url, "POST", "/api/inbox", { project_id: project.id, content: "x", session_id: session.id });
      expect(res.status, res.text).to.equal(201);
    });
  });

  describe("change streams", function () {
    it("streams a work_changed change as newline-delimited JSON on GET /api/changes", async function () {
      const project = await registerPausedProject(daemon);
      const controller = new AbortController();
      try {
        const response = await fetch(`${url}/api/changes?project_id=${project.id}&kinds=work_changed&after_seq=1`, {
          signal: controller.signal,
        });
        expect(response.status).to.equal(200);
        const item = await addWork(url, project.id, { content: "watched" });
        const lines = await readNdjsonUntil(response, (line) => line.result?.change?.work_item?.id === item.id);
        const change = lines[lines.length - 1].result.change;
        expect(change.kind).to.equal("work_changed");
        expect(change.project_id).to.equal(project.id);
        expect(change.seq).to.match(/^\d+$/);
        expectTimestamp(change.time);
        expect(change.work_item).to.deep.equal(item);
        for (const line of lines) expect(line.result.change.kind).to.equal("work_changed");
      } finally {
        controller.abort();
      }
    });

    it("streams Server-Sent Events with the sequence as the id, and resumes after Last-Event-ID", async function () {
      const project = await registerPausedProject(daemon);
      const first = await addWork(url, project.id, { content: "first" });
      const controller = new AbortController();
      try {
        const response = await fetch(`${url}/api/changes?project_id=${project.id}&after_seq=1`, {
          headers: { accept: "text/event-stream" },
          signal: controller.signal,
        });
        expect(response.status).to.equal(200);
        expect(response.headers.get("content-type")).to.match(/^text\/event-stream/);
        const events = await readSseUntil(response, (event) => event.data.change?.work_item?.id === first.id);
        const seen = events[events.length - 1];
        expect(seen.id).to.equal(seen.data.change.seq);
        controller.abort();

        const second = await addWork(url, project.id, { content: "second" });
        const again = new AbortController();
        try {
          const resumed = await fetch(`${url}/api/changes?project_id=${project.id}`, {
            headers: { accept: "text/event-stream", "last-event-id": seen.id! },
            signal: again.signal,
          });
          const later = await readSseUntil(resumed, (event) => event.data.change?.work_item?.id === second.id);
          for (const event of later) expect(BigInt(event.id!) > BigInt(seen.id!), `event ${event.id} after ${seen.id}`).to.equal(true);
        } finally {
          again.abort();
        }
      } finally {
        controller.abort();
      }
    });

    it("serves the same stream on GET /api/events/stream", async function () {
      const project = await registerPausedProject(daemon);
      const controller = new AbortController();
      try {
        const response = await fetch(`${url}/api/events/stream?project_id=${project.id}&after_seq=1`, { signal: controller.signal });
        expect(response.status).to.equal(200);
        await readNdjsonUntil(response, (line) => line.result?.change?.kind === "project_changed" && line.result.change.project?.id === project.id);
      } finally {
        controller.abort();
      }
    });

    it("releases the stream when the client disconnects", async function () {
      const requestId = `e2e-release-${randomUUID()}`;
      const controller = new AbortController();
      const response = await fetch(`${url}/api/changes`, { headers: { "x-request-id": requestId }, signal: controller.signal });
      expect(response.status).to.equal(200);
      controller.abort();
      await waitFor(
        () => daemon.logLines().some((line) => line.requestId === requestId && line.msg === "request served"),
        { timeoutMs: 5000, what: "the daemon to finish the aborted stream" },
      );
      expect((await rest(url, "GET", "/api/health")).status).to.equal(200);
    });

    it("returns NOT_FOUND before streaming for an unknown project", async function () {
      expectRestError(await rest(url, "GET", "/api/changes?project_id=project-000000000000"), 404, "PROJECT_NOT_FOUND");
    });
  });

  // The e2e stand-in agent exits during start-up (see support/e2e-daemon.ts); the event this raises for a
  // human is the only way to get a real event without a real agent.
  describe("events raised when an agent fails to start", function () {
    it("raises a pending event that resolves over REST, once", async function () {
      const project = await registerProject(daemon);
      await rest(url, "POST", `/api/sessions/${project.id}/start`);
      const event = await pendingEventOf(url, project.id);
      expect(event.id).to.match(ID.event);
      expect(event).to.deep.include({ project_id: project.id, status: "pending", resolution: null, resolved_at: null });
      expect(event.type).to.be.oneOf(["instance_error", "error"]);
      expectTimestamp(event.created_at);
      expect((await rest(url, "GET", `/api/events/${event.id}`)).body).to.deep.equal(event);

      const resolved = await rest(url, "POST", `/api/events/${event.id}/resolve`, { resolution: "User confirmed action" });
      expect(resolved.status, resolved.text).to.equal(200);
      expect(resolved.body).to.include({ event_id: event.id, status: "resolved", session_resumed: false });
      expect(resolved.body.event).to.include({ id: event.id, status: "resolved", resolution: "User confirmed action" });
      expectTimestamp(resolved.body.event.resolved_at);

      // Resolving again answers with the same event and delivers nothing.
      const again = await rest(url, "POST", `/api/events/${event.id}/resolve`, { response: "Something else" });
      expect(again.status, again.text).to.equal(200);
      expect(again.body).to.include({ status: "resolved", session_resumed: false });
      expect(again.body.event.resolution).to.equal("User confirmed action");

      expectRestError(await rest(url, "POST", `/api/events/${event.id}/dismiss`), 400, "EVENT_STATE_CONFLICT", "resolved");
      const history = await rest(url, "GET", `/api/events?project_id=${project.id}&status=resolved`);
      expect(history.body.events.map((item: any) => item.id)).to.include(event.id);
      const pending = await rest(url, "GET", `/api/events/pending?project_id=${project.id}`);
      expect(pending.body.events.map((item: any) => item.id)).to.not.include(event.id);
    });

    it("removes a project's events and session when it is unregistered", async function () {
      const project = await registerProject(daemon);
      await rest(url, "POST", `/api/sessions/${project.id}/start`);
      const event = await pendingEventOf(url, project.id);
      expect((await rest(url, "DELETE", `/api/projects/${project.id}`)).status).to.equal(204);
      expectRestError(await rest(url, "GET", `/api/events/${event.id}`), 404, "EVENT_NOT_FOUND");
      const all = (await rest(url, "GET", "/api/events?limit=1000")).body.events;
      expect(all.map((item: any) => item.project_id)).to.not.include(project.id);
      const sessions = (await rest(url, "GET", "/api/sessions")).body.sessions;
      expect(sessions.map((item: any) => item.project_id)).to.not.include(project.id);
    });

    it("dismisses a pending event, which then cannot be resolved", async function () {
      const project = await registerProject(daemon);
      await rest(url, "POST", `/api/sessions/${project.id}/start`);
      const event = await pendingEventOf(url, project.id);
      const dismissed = await rest(url, "POST", `/api/events/${event.id}/dismiss`);
      expect(dismissed.status, dismissed.text).to.equal(200);
      expect(dismissed.body).to.include({ id: event.id, status: "dismissed", resolution: null });
      const res = await rest(url, "POST", `/api/events/${event.id}/resolve`, { resolution: "too late" });
      expectRestError(res, 400, "EVENT_STATE_CONFLICT", "dismissed");
    });
  });

  describe("agent hooks", function () {
    it("refuses a hook call without the session's secret", async function () {
      const res = await rest(url, "POST", "/api/hooks/session-000000000000", { hook_event_name: "Stop" });
      expect(res.status, res.text).to.be.oneOf([401, 404]);
      expect(res.body.details[0].reason).to.be.oneOf(["UNAUTHENTICATED", "SESSION_NOT_FOUND"]);
    });
  });

  describe("content types", function () {
    it("accepts application/json with a charset parameter and +json media types", async function () {
      const project = await registerPausedProject(daemon);
      for (const type of ["application/json; charset=utf-8", "Application/JSON", "application/vnd.commander+json"]) {
        const res = await rest(url, "POST", "/api/work", JSON.stringify({ project_id: project.id, content: type }), { "content-type": type });
        expect(res.status, `${type}: ${res.text}`).to.equal(201);
      }
    });

    it("accepts a POST without a body where every field is optional or in the path", async function () {
      const project = await registerProject(daemon);
      const res = await rest(url, "POST", `/api/projects/${project.id}/pause`);
      expect(res.status).to.equal(200);
    });
  });
});

describe("REST API (original implementation's routes)", function () {
  let daemon: E2eDaemon;
  let url: string;

  before(async function () {
    this.timeout(START_WAIT_MS);
    daemon = await startE2eDaemon();
    url = daemon.url;
  });

  after(async function () {
    await daemon?.dispose();
  });

  it("answers GET /api/health with {status: ok, version: 1.0.0}", async function () {
    const res = await rest(url, "GET", "/api/health");
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ status: "ok", version: "1.0.0" });
  });

  it("registers, lists, gets and deletes a project as the original did (201, 200, 200, 204)", async function () {
    const dir = await daemon.newProjectDir();
    const created = await rest(url, "POST", "/api/projects", { path: dir, project_id: "orig-project", name: "Original" });
    expect(created.status).to.equal(201);
    expect(created.body).to.include({ id: "orig-project", name: "Original", state: "idle", state_reason: null, pending_events_count: 0 });
    expect((await rest(url, "GET", "/api/projects")).body.projects.map((p: any) => p.id)).to.include("orig-project");
    expect((await rest(url, "GET", "/api/projects/orig-project")).body.path).to.equal(await realpath(dir));
    const deleted = await rest(url, "DELETE", "/api/projects/orig-project");
    expect(deleted.status).to.equal(204);
    expect(deleted.text).to.equal("");
    expectRestError(await rest(url, "DELETE", "/api/projects/orig-project"), 404, "PROJECT_NOT_FOUND");
  });

  it("pauses and resumes a project with body-less POSTs", async function () {
    const project = await registerProject(daemon);
    const paused = await rest(url, "POST", `/api/projects/${project.id}/pause`);
    expect(paused.status).to.equal(200);
    expect(paused.body.state).to.equal("paused");
    expect(paused.body.state_reason).to.be.a("string").and.not.equal("");
    const resumed = await rest(url, "POST", `/api/projects/${project.id}/resume`);
    expect(resumed.status).to.equal(200);
    expect(resumed.body).to.include({ state: "idle", state_reason: null });
  });

  it("creates and lists sessions under /api/projects/{id}/sessions", async function () {
    const project = await registerProject(daemon);
    const created = await rest(url, "POST", `/api/projects/${project.id}/sessions`, {});
    expect(created.status).to.equal(201);
    expect(created.body).to.include({ project_id: project.id, runtime: "claude-code", state: "stopped" });
    const other = await registerProject(daemon);
    const withRuntime = await rest(url, "POST", `/api/projects/${other.id}/sessions`, { runtime: "claude-code" });
    expect(withRuntime.status).to.equal(201);
    const listed = await rest(url, "GET", `/api/projects/${project.id}/sessions`);
    expect(listed.status).to.equal(200);
    expect(listed.body).to.deep.equal({ sessions: [created.body], next_page_token: "" });
    expectRestError(await rest(url, "POST", `/api/projects/${project.id}/sessions`, {}), 409, "SESSION_ALREADY_EXISTS");
  });

  it("returns NOT_FOUND for the sessions of an unknown project and INVALID_ARGUMENT for an unknown runtime", async function () {
    expectRestError(await rest(url, "GET", "/api/projects/project-000000000000/sessions"), 404, "PROJECT_NOT_FOUND");
    expectRestError(await rest(url, "POST", "/api/projects/project-000000000000/sessions", {}), 404, "PROJECT_NOT_FOUND");
    const project = await registerProject(daemon);
    expectRestError(await rest(url, "POST", `/api/projects/${project.id}/sessions`, { runtime: "mpm" }), 400, "UNKNOWN_RUNTIME", "runtime");
  });

  it("deletes a session with DELETE /api/sessions/{session_id} (204, then 404 SESSION_NOT_FOUND)", async function () {
    const project = await registerProject(daemon);
    const session = (await rest(url, "POST", `/api/projects/${project.id}/sessions`, {})).body;
    const res = await rest(url, "DELETE", `/api/sessions/${session.id}`);
    expect(res.status).to.equal(204);
    expect(res.text).to.equal("");
    expectRestError(await rest(url, "DELETE", `/api/sessions/${session.id}`), 404, "SESSION_NOT_FOUND", session.id);
    expect((await rest(url, "GET", `/api/projects/${project.id}/sessions`)).body).to.deep.equal({ sessions: [], next_page_token: "" });
  });

  it("sends messages with POST /api/projects/{id}/messages and lists them in send order as the thread", async function () {
    const project = await registerPausedProject(daemon);
    const first = await rest(url, "POST", `/api/projects/${project.id}/messages`, { content: "first", priority: "low" });
    expect(first.status).to.equal(201);
    expect(first.body).to.include({ project_id: project.id, content: "first", role: "user", state: "pending" });
    const second = await rest(url, "POST", `/api/projects/${project.id}/messages`, { content: "second", priority: "critical" });
    const thread = await rest(url, "GET", `/api/projects/${project.id}/thread`);
    expect(thread.status).to.equal(200);
    expect(thread.body).to.deep.equal({ messages: [first.body, second.body], next_page_token: "" });
    // The inbox lists the same messages most urgent first.
    const inbox = await rest(url, "GET", `/api/inbox?project_id=${project.id}`);
    expect(inbox.body.messages.map((m: any) => m.id)).to.deep.equal([second.body.id, first.body.id]);
  });

  it("accepts the session_id of the project's session on /messages and refuses another", async function () {
    const project = await registerPausedProject(daemon);
    const session = (await rest(url, "POST", `/api/projects/${project.id}/sessions`, {})).body;
    expect((await rest(url, "POST", `/api/projects/${project.id}/messages`, { content: "hi", session_id: session.id })).status).to.equal(201);
    const res = await rest(url, "POST", `/api/projects/${project.id}/messages`, { content: "hi", session_id: "someone-else" });
    expectRestError(res, 400, "INVALID_ARGUMENT", "session_id");
  });

  it("returns NOT_FOUND for the thread and messages of an unknown project", async function () {
    expectRestError(await rest(url, "GET", "/api/projects/project-000000000000/thread"), 404, "PROJECT_NOT_FOUND");
    expectRestError(await rest(url, "POST", "/api/projects/project-000000000000/messages", { content: "x" }), 404, "PROJECT_NOT_FOUND");
  });

  it("adds work with POST /api/projects/{id}/work, accepting the original's numeric priorities", async function () {
    const project = await registerPausedProject(daemon);
    const plain = await rest(url, "POST", `/api/projects/${project.id}/work`, { content: "default" });
    expect(plain.status).to.equal(201);
    expect(plain.body).to.include({ project_id: project.id, state: "queued", priority: "medium" });
    for (const [priority, word] of [[1, "low"], [2, "medium"], [3, "high"], [4, "critical"], ["3", "high"]] as const) {
      const res = await rest(url, "POST", `/api/projects/${project.id}/work`, { content: `p${priority}`, priority });
      expect(res.status, res.text).to.equal(201);
      expect(res.body.priority).to.equal(word);
    }
    const dependent = await rest(url, "POST", `/api/projects/${project.id}/work`, { content: "after", depends_on: [plain.body.id] });
    expect(dependent.body.depends_on).to.deep.equal([plain.body.id]);
    expectRestError(await rest(url, "POST", "/api/projects/project-000000000000/work", { content: "x" }), 404, "PROJECT_NOT_FOUND");
  });

  it("lists work with GET /api/projects/{id}/work, filtered by ?state=", async function () {
    const project = await registerPausedProject(daemon);
    const a = (await rest(url, "POST", `/api/projects/${project.id}/work`, { content: "a" })).body;
    const b = (await rest(url, "POST", `/api/projects/${project.id}/work`, { content: "b", priority: 4 })).body;
    await rest(url, "POST", `/api/work/${a.id}/complete`, { result: "ok" });
    const all = await rest(url, "GET", `/api/projects/${project.id}/work`);
    expect(all.status).to.equal(200);
    expect(all.body.work_items.map((item: any) => item.id)).to.deep.equal([b.id, a.id]);
    const queued = await rest(url, "GET", `/api/projects/${project.id}/work?state=queued`);
    expect(queued.body.work_items.map((item: any) => item.id)).to.deep.equal([b.id]);
    expectRestError(await rest(url, "GET", `/api/projects/${project.id}/work?state=bogus`), 400, "INVALID_FIELD_VALUE", "state");
    expectRestError(await rest(url, "GET", "/api/projects/project-000000000000/work"), 404, "PROJECT_NOT_FOUND");
  });

  it("gets one item with GET /api/projects/{id}/work/{work_id}, and NOT_FOUND for another project's item", async function () {
    const project = await registerPausedProject(daemon);
    const other = await registerPausedProject(daemon);
    const item = (await rest(url, "POST", `/api/projects/${project.id}/work`, { content: "mine" })).body;
    const res = await rest(url, "GET", `/api/projects/${project.id}/work/${item.id}`);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal(item);
    expectRestError(await rest(url, "GET", `/api/projects/${other.id}/work/${item.id}`), 404, "WORK_NOT_FOUND", item.id);
    expectRestError(await rest(url, "GET", `/api/projects/${project.id}/work/work-000000000000`), 404, "WORK_NOT_FOUND");
  });

  it("cancels with a body-less POST /api/projects/{id}/work/{work_id}/cancel", async function () {
    const project = await registerPausedProject(daemon);
    const other = await registerPausedProject(daemon);
    const item = (await rest(url, "POST", `/api/projects/${project.id}/work`, { content: "cancel me" })).body;
    expectRestError(await rest(url, "POST", `/api/projects/${other.id}/work/${item.id}/cancel`), 404, "WORK_NOT_FOUND");
    const res = await rest(url, "POST", `/api/projects/${project.id}/work/${item.id}/cancel`);
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ id: item.id, state: "cancelled" });
    expectTimestamp(res.body.completed_at);
    expectRestError(await rest(url, "POST", `/api/projects/${project.id}/work/${item.id}/cancel`), 400, "WORK_STATE_CONFLICT", "cancelled");
  });

  it("answers the inbox and event routes the original shipped broken (GET /api/inbox, /api/inbox/counts, /api/events/pending)", async function () {
    const inbox = await rest(url, "GET", "/api/inbox");
    expect(inbox.status).to.equal(200);
    expect(inbox.body).to.have.keys("messages", "total", "next_page_token");
    const counts = await rest(url, "GET", "/api/inbox/counts");
    expect(counts.status).to.equal(200);
    expect(counts.body).to.have.keys("critical", "high", "normal", "low", "info", "total");
    const pending = await rest(url, "GET", "/api/events/pending");
    expect(pending.status).to.equal(200);
    expect(pending.body).to.deep.equal({ events: [], next_page_token: "" });
  });

  it("resolves with the original's {response} body: NOT_FOUND for an unknown event", async function () {
    const res = await rest(url, "POST", "/api/events/evt_0123456789ab/resolve", { response: "yes" });
    expectRestError(res, 404, "EVENT_NOT_FOUND", "evt_0123456789ab");
  });
});

describe("REST API with max_projects", function () {
  let daemon: E2eDaemon;

  before(async function () {
    this.timeout(START_WAIT_MS);
    daemon = await startE2eDaemon({ env: { COMMANDER_MAX_PROJECTS: "3" } });
  });

  after(async function () {
    await daemon?.dispose();
  });

  it("returns RESOURCE_EXHAUSTED (429 PROJECT_LIMIT_REACHED) once max_projects projects are registered", async function () {
    const projects = [];
    for (let i = 0; i < 3; i++) projects.push(await registerProject(daemon));
    const res = await rest(daemon.url, "POST", "/api/projects", { path: await daemon.newProjectDir() });
    expectRestError(res, 429, "PROJECT_LIMIT_REACHED", "max_projects");
    expect((await rest(daemon.url, "GET", "/api/projects")).body.projects).to.have.length(3);
  });

  it("accepts a new project again once one is unregistered", async function () {
    const listed = (await rest(daemon.url, "GET", "/api/projects")).body.projects;
    expect((await rest(daemon.url, "DELETE", `/api/projects/${listed[0].id}`)).status).to.equal(204);
    await registerProject(daemon);
    expect((await rest(daemon.url, "GET", "/api/projects")).body.projects).to.have.length(3);
  });
});

describe("REST API across a graceful restart", function () {
  let first: E2eDaemon | undefined;
  let second: E2eDaemon | undefined;

  after(async function () {
    await second?.dispose();
    await first?.dispose();
  });

  it("keeps projects, sessions, work and inbox messages after SIGTERM and a restart", async function () {
    // Two starts and a graceful stop, each a condition wait that ends as soon as it can.
    this.timeout(2 * START_WAIT_MS + 20_000);
    first = await startE2eDaemon();
    const project = await registerPausedProject(first, { name: "Survivor" });
    const done = await addWork(first.url, project.id, { content: "done", priority: "high" });
    await rest(first.url, "POST", `/api/work/${done.id}/complete`, { result: "kept" });
    const waiting = await addWork(first.url, project.id, { content: "waiting", depends_on: [] });
    const message = (await rest(first.url, "POST", "/api/inbox", { project_id: project.id, content: "remember me" })).body;
    const session = (await rest(first.url, "POST", "/api/sessions", { project_id: project.id })).body;

    expect(await first.stop("SIGTERM")).to.equal(0);
    second = await startE2eDaemon({ stateDir: first.stateDir });

    const url = second.url;
    expect((await rest(url, "GET", `/api/projects/${project.id}`)).body).to.include({
      name: "Survivor",
      path: project.path,
      state: "paused",
      state_reason: project.state_reason,
    });
    expect((await rest(url, "GET", `/api/work/${done.id}`)).body).to.include({ state: "completed", result: "kept" });
    expect((await rest(url, "GET", `/api/work/${waiting.id}`)).body.state).to.equal("queued");
    expect((await rest(url, "GET", `/api/projects/${project.id}/thread`)).body.messages.map((m: any) => m.id)).to.deep.equal([message.id]);
    expect((await rest(url, "GET", `/api/sessions/${project.id}`)).body.id).to.equal(session.id);
  });
});

describe("REST API when an agent exits the moment it is launched", function () {
  let daemon: E2eDaemon;

  before(async function () {
    this.timeout(START_WAIT_MS);
    // A runtime whose program does not exist: its pane ends at once, before the daemon awaits readiness.
    daemon = await startE2eDaemon({
      env: { COMMANDER_RUNTIMES: JSON.stringify(runtimesRunning(["/nonexistent/commander-e2e-agent"])) },
    });
  });

  after(async function () {
    await daemon?.dispose();
  });

  it("keeps the daemon running and answers every start with a 4xx", async function () {
    const answers: number[] = [];
    for (let i = 0; i < 8; i++) {
      const project = await registerProject(daemon);
      let status: number | string;
      try {
        status = (await rest(daemon.url, "POST", `/api/sessions/${project.id}/start`)).status;
      } catch (error) {
        status = `no answer: ${String(error)}`;
      }
      answers.push(status as number);
      expect(daemon.child.exitCode, `the daemon exited during start ${i + 1}; answers so far ${JSON.stringify(answers)}`).to.equal(null);
      expect(status, `start ${i + 1}`).to.be.a("number").within(400, 499);
    }
    expect((await rest(daemon.url, "GET", "/api/health")).status).to.equal(200);
  });
});

describe("Usage guide: Common Workflows 1 to 3, as printed", function () {
  let daemon: E2eDaemon;
  let projectId: string;
  let workId: string;
  let eventId: string;

  before(async function () {
    this.timeout(START_WAIT_MS);
    daemon = await startE2eDaemon();
  });

  after(async function () {
    await daemon?.dispose();
  });

  // The guide's curl commands send these bodies verbatim with `-H "Content-Type: application/json"`; only
  // the placeholders change: the path becomes a real directory, `project-abc123` the id the daemon gave.
  const post = (path: string, body: string) =>
    rest(daemon.url, "POST", path, body, { "content-type": "application/json" });

  it("1. Start a New Project: registers the project (step 2)", async function () {
    const dir = await daemon.newProjectDir("my-project");
    const res = await post(
      "/api/projects",
      `{
    "path": "${dir}",
    "name": "My Project"
  }`,
    );
    expect(res.status, res.text).to.equal(201);
    expect(res.body).to.include({ path: await realpath(dir), name: "My Project", state: "idle" });
    projectId = res.body.id;
  });

  it("1. Start a New Project: creates the session (step 3)", async function () {
    const res = await post("/api/sessions", `{"project_id": "${projectId}"}`);
    expect(res.status, res.text).to.equal(201);
    expect(res.body).to.include({ project_id: projectId, state: "stopped" });
  });

  it("1. Start a New Project: adds a work item (step 4)", async function () {
    const res = await post(
      "/api/work",
      `{
    "project_id": "${projectId}",
    "content": "Set up project structure",
    "priority": "high"
  }`,
    );
    expect(res.status, res.text).to.equal(201);
    expect(res.body).to.include({ project_id: projectId, content: "Set up project structure", priority: "high", state: "queued" });
    workId = res.body.id;
  });

  it("2. Handle Blocking Events: checks pending events (step 1) and reviews their details (step 2)", async function () {
    // The work of step 4 made the daemon start the project's agent; the e2e stand-in agent fails to start,
    // which raises an event for a human: the blocking moment this workflow is about.
    const event = await pendingEventOf(daemon.url, projectId);
    const res = await rest(daemon.url, "GET", "/api/events/pending");
    expect(res.status).to.equal(200);
    expect(res.body.events.map((item: any) => item.id)).to.include(event.id);
    // "Event will show: title, content, project_id".
    expect(event.title).to.be.a("string").and.not.equal("");
    expect(event.content).to.be.a("string");
    expect(event.project_id).to.equal(projectId);
    eventId = event.id;
  });

  it("2. Handle Blocking Events: resolves the event (step 3)", async function () {
    const res = await post(`/api/events/${eventId}/resolve`, `{"resolution": "User approved action"}`);
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.include({ event_id: eventId, status: "resolved" });
    expect(res.body.event).to.include({ id: eventId, status: "resolved", resolution: "User approved action" });
    const pending = (await rest(daemon.url, "GET", `/api/events/pending?project_id=${projectId}`)).body.events;
    expect(pending.map((item: any) => item.id)).to.not.include(eventId);
  });

  it("2. Handle Blocking Events: answers NOT_FOUND for the guide's placeholder event id", async function () {
    const res = await post("/api/events/event-abc123/resolve", `{"resolution": "User approved action"}`);
    expectRestError(res, 404, "EVENT_NOT_FOUND", "event-abc123");
  });

  it("3. Monitor Project Progress: checks the work queue", async function () {
    const res = await rest(daemon.url, "GET", `/api/work?project_id=${projectId}`);
    expect(res.status).to.equal(200);
    expect(res.body.work_items.map((item: any) => item.id)).to.deep.equal([workId]);
  });

  it("3. Monitor Project Progress: checks for pending events", async function () {
    const res = await rest(daemon.url, "GET", `/api/events/pending?project_id=${projectId}`);
    expect(res.status).to.equal(200);
    expect(res.body).to.have.keys("events", "next_page_token");
    // A retried start may have raised a new event since; none is the one resolved above.
    for (const event of res.body.events) expect(event).to.include({ project_id: projectId, status: "pending" });
    expect(res.body.events.map((item: any) => item.id)).to.not.include(eventId);
  });

  it("3. Monitor Project Progress: views inbox messages", async function () {
    const res = await rest(daemon.url, "GET", `/api/inbox?project_id=${projectId}`);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ messages: [], total: 0, next_page_token: "" });
  });
});
