// The same operations over every RPC protocol the daemon serves on its one port: Connect (HTTP/1.1 and
// h2c, JSON and binary), gRPC and gRPC-Web through the generated Connect-ES clients, and gRPC through the
// ts-proto `@grpc/grpc-js` stubs; plus the server stream WatchChanges and the standard gRPC health check.
import { realpath } from "node:fs/promises";
import { fromBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
  Http2SessionManager,
} from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { expect } from "chai";
import { HealthService } from "../../gen/es/commander/v1/health_service_pb.js";
import { ProjectState } from "../../gen/es/commander/v1/project_pb.js";
import { ProjectService } from "../../gen/es/commander/v1/project_service_pb.js";
import { InboxService } from "../../gen/es/commander/v1/inbox_service_pb.js";
import { EventPriority } from "../../gen/es/commander/v1/event_pb.js";
import { ChangeKind, WatchService, type WatchChangesResponse } from "../../gen/es/commander/v1/watch_service_pb.js";
import { WorkPriority, WorkState } from "../../gen/es/commander/v1/work_item_pb.js";
import { WorkService } from "../../gen/es/commander/v1/work_service_pb.js";
import { ErrorInfoSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../gen/es/google/rpc/status_pb.js";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/es/grpc/health/v1/health_pb.js";
import { ProjectState as TsProjectState } from "../../gen/tsproto/commander/v1/project.js";
import {
  ProjectServiceClient,
  type GetProjectResponse,
  type ListProjectsResponse,
  type PauseProjectResponse,
  type RegisterProjectResponse,
} from "../../gen/tsproto/commander/v1/project_service.js";
import { ChangeKind as TsChangeKind, WatchServiceClient, type WatchChangesResponse as TsWatchChangesResponse } from "../../gen/tsproto/commander/v1/watch_service.js";
import { WorkPriority as TsWorkPriority, WorkState as TsWorkState } from "../../gen/tsproto/commander/v1/work_item.js";
import {
  WorkServiceClient,
  type AddWorkResponse,
  type CompleteWorkResponse,
  type ListWorkResponse,
} from "../../gen/tsproto/commander/v1/work_service.js";
import {
  HealthCheckResponse_ServingStatus as TsServingStatus,
  HealthClient,
  type HealthCheckResponse,
} from "../../gen/tsproto/grpc/health/v1/health.js";
import { waitFor } from "../support/wait-for.js";
import { startE2eDaemon, type E2eDaemon } from "./support/e2e-daemon.js";

/** The ErrorInfo reason of a ConnectError. */
function reasonOf(error: unknown): string | undefined {
  expect(error).to.be.instanceOf(ConnectError);
  return (error as ConnectError).findDetails(ErrorInfoSchema)[0]?.reason;
}

/** Runs `call` and returns the ConnectError it must fail with. */
async function connectFailure(call: () => Promise<unknown>): Promise<ConnectError> {
  try {
    await call();
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("the call succeeded, but it should have failed");
}

interface ConnectFlavour {
  name: string;
  transport(url: string, sessions: Http2SessionManager[]): Transport;
}

const FLAVOURS: ConnectFlavour[] = [
  { name: "Connect (JSON) over HTTP/1.1", transport: (url) => createConnectTransport({ baseUrl: url, httpVersion: "1.1" }) },
  {
    name: "Connect (JSON) over HTTP/2 (h2c)",
    transport: (url, sessions) => {
      const sessionManager = new Http2SessionManager(url);
      sessions.push(sessionManager);
      return createConnectTransport({ baseUrl: url, httpVersion: "2", sessionManager });
    },
  },
  {
    name: "Connect (binary) over HTTP/2 (h2c)",
    transport: (url, sessions) => {
      const sessionManager = new Http2SessionManager(url);
      sessions.push(sessionManager);
      return createConnectTransport({ baseUrl: url, httpVersion: "2", sessionManager, useBinaryFormat: true });
    },
  },
  {
    name: "gRPC over HTTP/2 (h2c)",
    transport: (url, sessions) => {
      const sessionManager = new Http2SessionManager(url);
      sessions.push(sessionManager);
      return createGrpcTransport({ baseUrl: url, sessionManager });
    },
  },
  { name: "gRPC-Web over HTTP/1.1", transport: (url) => createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" }) },
];

describe("RPC clients", function () {
  let daemon: E2eDaemon;
  const sessions: Http2SessionManager[] = [];

  before(async function () {
    daemon = await startE2eDaemon();
  });

  after(async function () {
    for (const session of sessions) session.abort();
    await daemon?.dispose();
  });

  for (const flavour of FLAVOURS) {
    describe(flavour.name, function () {
      let projects: ReturnType<typeof createClient<typeof ProjectService>>;
      let work: ReturnType<typeof createClient<typeof WorkService>>;
      let transport: Transport;
      let projectId: string;
      let dir: string;

      before(function () {
        transport = flavour.transport(daemon.url, sessions);
        projects = createClient(ProjectService, transport);
        work = createClient(WorkService, transport);
      });

      it("registers a project and answers it idle, with its path resolved", async function () {
        dir = await daemon.newProjectDir();
        const { project } = await projects.registerProject({ path: dir, name: flavour.name });
        expect(project?.id).to.match(/^project-[0-9a-f]{12}$/);
        expect(project?.path).to.equal(await realpath(dir));
        expect(project?.name).to.equal(flavour.name);
        expect(project?.state).to.equal(ProjectState.IDLE);
        expect(project?.stateReason).to.equal(undefined);
        expect(project?.createdAt?.seconds).to.be.a("bigint");
        projectId = project!.id;
      });

      it("pauses the project (so that its work is never dispatched to an agent)", async function () {
        const { project } = await projects.pauseProject({ projectId, reason: "rpc tests" });
        expect(project?.state).to.equal(ProjectState.PAUSED);
        expect(project?.stateReason).to.equal("rpc tests");
      });

      it("lists projects, including the new one", async function () {
        const { projects: listed } = await projects.listProjects({});
        expect(listed.map((project) => project.id)).to.include(projectId);
      });

      it("adds work and lists it in dispatch order, with filters", async function () {
        const low = (await work.addWork({ projectId, content: "low", priority: WorkPriority.LOW })).workItem!;
        const plain = (await work.addWork({ projectId, content: "default" })).workItem!;
        const high = (await work.addWork({ projectId, content: "high", priority: WorkPriority.HIGH })).workItem!;
        expect(plain.priority).to.equal(WorkPriority.MEDIUM);
        expect(high.state).to.equal(WorkState.QUEUED);
        const { workItems } = await work.listWork({ projectId });
        expect(workItems.map((item) => item.id)).to.deep.equal([high.id, plain.id, low.id]);
        const filtered = await work.listWork({ projectId, state: WorkState.QUEUED, priority: WorkPriority.HIGH });
        expect(filtered.workItems.map((item) => item.id)).to.deep.equal([high.id]);
      });

      it("pages ListWork with page_size and page_token, and refuses a garbled token with INVALID_ARGUMENT", async function () {
        const all = (await work.listWork({ projectId })).workItems.map((item) => item.id);
        expect(all.length).to.be.greaterThan(2);
        const first = await work.listWork({ projectId, pageSize: 2 });
        expect(first.workItems.map((item) => item.id)).to.deep.equal(all.slice(0, 2));
        expect(first.nextPageToken).to.not.equal("");
        const second = await work.listWork({ projectId, pageSize: 2, pageToken: first.nextPageToken });
        expect(second.workItems.map((item) => item.id)).to.deep.equal(all.slice(2, 4));
        const error = await connectFailure(() => work.listWork({ projectId, pageToken: "garbled" }));
        expect(error.code).to.equal(Code.InvalidArgument);
        expect(error.rawMessage).to.match(/^page_token: /);
      });

      it("completes work, recording its result, and refuses to complete it twice with FAILED_PRECONDITION", async function () {
        const item = (await work.addWork({ projectId, content: "to complete" })).workItem!;
        const { workItem } = await work.completeWork({ workId: item.id, result: "done over RPC" });
        expect(workItem?.state).to.equal(WorkState.COMPLETED);
        expect(workItem?.result).to.equal("done over RPC");
        expect(workItem?.completedAt).to.not.equal(undefined);
        const error = await connectFailure(() => work.completeWork({ workId: item.id, result: "again" }));
        expect(error.code).to.equal(Code.FailedPrecondition);
        expect(reasonOf(error)).to.equal("WORK_STATE_CONFLICT");
        expect(error.rawMessage).to.include("completed");
      });

      it("returns NOT_FOUND with ErrorInfo PROJECT_NOT_FOUND for an unknown project", async function () {
        const error = await connectFailure(() => projects.getProject({ projectId: "project-000000000000" }));
        expect(error.code).to.equal(Code.NotFound);
        expect(reasonOf(error)).to.equal("PROJECT_NOT_FOUND");
        const info = error.findDetails(ErrorInfoSchema)[0];
        expect(info.domain).to.equal("commander");
        expect(info.metadata).to.include({ project_id: "project-000000000000" });
      });

      it("returns ALREADY_EXISTS with ErrorInfo PROJECT_ALREADY_EXISTS for a directory registered twice", async function () {
        const error = await connectFailure(() => projects.registerProject({ path: dir }));
        expect(error.code).to.equal(Code.AlreadyExists);
        expect(reasonOf(error)).to.equal("PROJECT_ALREADY_EXISTS");
      });

      it("returns INVALID_ARGUMENT naming content for content with an ESC character", async function () {
        const error = await connectFailure(() => work.addWork({ projectId, content: "\u001b[31mred" }));
        expect(error.code).to.equal(Code.InvalidArgument);
        expect(error.rawMessage).to.match(/^content: /);
      });

      it("sends an inbox message with priority normal by default", async function () {
        const inbox = createClient(InboxService, transport);
        const { message } = await inbox.sendMessage({ projectId, content: "hello over RPC" });
        expect(message?.priority).to.equal(EventPriority.NORMAL);
        expect(message?.role).to.equal("user");
      });

      it("streams a work_changed change with a seq from WatchChanges, and cancelling ends the stream", async function () {
        const watch = createClient(WatchService, transport);
        const controller = new AbortController();
        // after_seq replays retained history, so a change made before the subscription is set up is not missed.
        const stream = watch.watchChanges({ projectId, kinds: [ChangeKind.WORK_CHANGED], afterSeq: 1n }, { signal: controller.signal });
        const iterator = stream[Symbol.asyncIterator]();
        const item = (await work.addWork({ projectId, content: "watched over RPC" })).workItem!;
        let change: WatchChangesResponse["change"];
        for (;;) {
          const next = await iterator.next();
          expect(next.done, "the stream ended before the change arrived").to.equal(false);
          change = (next.value as WatchChangesResponse).change;
          expect(change?.kind).to.equal(ChangeKind.WORK_CHANGED);
          if (change?.subject.case === "workItem" && change.subject.value.id === item.id) break;
        }
        expect(change!.seq).to.be.a("bigint");
        expect(change!.seq > 0n).to.equal(true);
        expect(change!.projectId).to.equal(projectId);

        controller.abort();
        const ended = await connectFailure(() => iterator.next());
        expect(ended.code).to.equal(Code.Canceled);

        // The daemon carries on: a new subscription sees the next change.
        const again = new AbortController();
        const resumed = watch.watchChanges({ projectId, kinds: [ChangeKind.WORK_CHANGED], afterSeq: change!.seq }, { signal: again.signal });
        const resumedIterator = resumed[Symbol.asyncIterator]();
        const later = (await work.addWork({ projectId, content: "after the cancel" })).workItem!;
        const first = (await resumedIterator.next()).value as WatchChangesResponse;
        expect(first.change!.seq > change!.seq).to.equal(true);
        expect(first.change!.subject.case === "workItem" && first.change!.subject.value.id).to.equal(later.id);
        again.abort();
        await resumedIterator.next().catch(() => undefined);
      });

      it("answers grpc.health.v1.Health/Check: SERVING for the server and its services, NOT_FOUND otherwise", async function () {
        const health = createClient(Health, transport);
        expect((await health.check({ service: "" })).status).to.equal(ServingStatus.SERVING);
        expect((await health.check({ service: "commander.v1.WorkService" })).status).to.equal(ServingStatus.SERVING);
        const error = await connectFailure(() => health.check({ service: "no.such.Service" }));
        expect(error.code).to.equal(Code.NotFound);
      });

      it("answers commander.v1.HealthService/GetHealth with status ok and version 1.0.0", async function () {
        const health = createClient(HealthService, transport);
        const response = await health.getHealth({});
        expect(response.status).to.equal("ok");
        expect(response.version).to.equal("1.0.0");
      });
    });
  }

  describe("gRPC through @grpc/grpc-js (ts-proto stubs)", function () {
    let projects: ProjectServiceClient;
    let work: WorkServiceClient;
    let watch: WatchServiceClient;
    let health: HealthClient;
    let projectId: string;
    let dir: string;

    type Done<Res> = (error: grpc.ServiceError | null, response: Res) => void;

    /** Wraps one callback-style unary call: `unary<Response>((done) => client.method(request, done))`. */
    function unary<Res>(invoke: (done: Done<Res>) => unknown): Promise<Res> {
      return new Promise((resolve, reject) => {
        invoke((error, response) => (error ? reject(error) : resolve(response)));
      });
    }

    async function grpcFailure(call: () => Promise<unknown>): Promise<grpc.ServiceError> {
      try {
        await call();
      } catch (error) {
        return error as grpc.ServiceError;
      }
      throw new Error("the call succeeded, but it should have failed");
    }

    /** The ErrorInfo reason carried in `grpc-status-details-bin` (a google.rpc.Status). */
    function grpcReason(error: grpc.ServiceError): string | undefined {
      const [raw] = error.metadata.get("grpc-status-details-bin");
      if (raw === undefined) return undefined;
      const status = fromBinary(StatusSchema, raw as Buffer);
      expect(status.code).to.equal(error.code);
      for (const detail of status.details) {
        const info = anyUnpack(detail, ErrorInfoSchema);
        if (info) return info.reason;
      }
      return undefined;
    }

    const addWork = (content: string, priority: TsWorkPriority = TsWorkPriority.WORK_PRIORITY_UNSPECIFIED) =>
      unary<AddWorkResponse>((done) => work.addWork({ projectId, content, priority, dependsOn: [] }, done)).then(
        (response) => response.workItem!,
      );

    before(function () {
      const address = `127.0.0.1:${daemon.port}`;
      const credentials = grpc.credentials.createInsecure();
      projects = new ProjectServiceClient(address, credentials);
      work = new WorkServiceClient(address, credentials);
      watch = new WatchServiceClient(address, credentials);
      health = new HealthClient(address, credentials);
    });

    after(function () {
      for (const client of [projects, work, watch, health]) client?.close();
    });

    it("registers a project and answers it idle, with its path resolved", async function () {
      dir = await daemon.newProjectDir();
      const { project } = await unary<RegisterProjectResponse>((done) =>
        projects.registerProject({ path: dir, name: "grpc-js", projectId: "", runtime: "", permissionMode: "", model: "", permissionTimeoutSeconds: 0 }, done),
      );
      expect(project?.id).to.match(/^project-[0-9a-f]{12}$/);
      expect(project?.path).to.equal(await realpath(dir));
      expect(project?.state).to.equal(TsProjectState.PROJECT_STATE_IDLE);
      expect(project?.createdAt).to.be.instanceOf(Date);
      projectId = project!.id;
      const paused = await unary<PauseProjectResponse>((done) => projects.pauseProject({ projectId, reason: "grpc-js tests" }, done));
      expect(paused.project?.state).to.equal(TsProjectState.PROJECT_STATE_PAUSED);
    });

    it("lists projects, including the new one", async function () {
      const { projects: listed } = await unary<ListProjectsResponse>((done) => projects.listProjects({ pageSize: 0, pageToken: "" }, done));
      expect(listed.map((project) => project.id)).to.include(projectId);
    });

    it("adds work and lists it in dispatch order", async function () {
      const low = await addWork("low", TsWorkPriority.WORK_PRIORITY_LOW);
      const plain = await addWork("default");
      const critical = await addWork("critical", TsWorkPriority.WORK_PRIORITY_CRITICAL);
      expect(plain.priority).to.equal(TsWorkPriority.WORK_PRIORITY_MEDIUM);
      expect(critical.state).to.equal(TsWorkState.WORK_STATE_QUEUED);
      const { workItems } = await unary<ListWorkResponse>((done) =>
        work.listWork(
          { projectId, state: TsWorkState.WORK_STATE_UNSPECIFIED, priority: TsWorkPriority.WORK_PRIORITY_UNSPECIFIED, pageSize: 0, pageToken: "" },
          done,
        ),
      );
      expect(workItems.map((item) => item.id)).to.deep.equal([critical.id, plain.id, low.id]);
    });

    it("pages ListWork with page_size and page_token, and refuses a negative page_size with INVALID_ARGUMENT", async function () {
      const list = (pageSize: number, pageToken: string) =>
        unary<ListWorkResponse>((done) =>
          work.listWork(
            { projectId, state: TsWorkState.WORK_STATE_UNSPECIFIED, priority: TsWorkPriority.WORK_PRIORITY_UNSPECIFIED, pageSize, pageToken },
            done,
          ),
        );
      const all = (await list(0, "")).workItems.map((item) => item.id);
      const first = await list(2, "");
      expect(first.workItems.map((item) => item.id)).to.deep.equal(all.slice(0, 2));
      const second = await list(2, first.nextPageToken);
      expect(second.workItems.map((item) => item.id)).to.deep.equal(all.slice(2, 4));
      expect(second.nextPageToken).to.equal(all.length > 4 ? second.nextPageToken : "");
      const error = await grpcFailure(() => list(-1, ""));
      expect(error.code).to.equal(grpc.status.INVALID_ARGUMENT);
      expect(error.details).to.equal("page_size: must not be negative");
      expect(grpcReason(error)).to.equal("INVALID_ARGUMENT");
    });

    it("completes work, and refuses to complete it twice with FAILED_PRECONDITION (WORK_STATE_CONFLICT)", async function () {
      const item = await addWork("to complete");
      const { workItem } = await unary<CompleteWorkResponse>((done) => work.completeWork({ workId: item.id, result: "done over grpc-js" }, done));
      expect(workItem?.state).to.equal(TsWorkState.WORK_STATE_COMPLETED);
      expect(workItem?.result).to.equal("done over grpc-js");
      const error = await grpcFailure(() =>
        unary<CompleteWorkResponse>((done) => work.completeWork({ workId: item.id, result: "again" }, done)),
      );
      expect(error.code).to.equal(grpc.status.FAILED_PRECONDITION);
      expect(grpcReason(error)).to.equal("WORK_STATE_CONFLICT");
    });

    it("returns NOT_FOUND with ErrorInfo PROJECT_NOT_FOUND for an unknown project", async function () {
      const error = await grpcFailure(() =>
        unary<GetProjectResponse>((done) => projects.getProject({ projectId: "project-000000000000" }, done)),
      );
      expect(error.code).to.equal(grpc.status.NOT_FOUND);
      expect(error.details).to.include("project-000000000000");
      expect(grpcReason(error)).to.equal("PROJECT_NOT_FOUND");
    });

    it("returns ALREADY_EXISTS with ErrorInfo PROJECT_ALREADY_EXISTS for a directory registered twice", async function () {
      const error = await grpcFailure(() =>
        unary<RegisterProjectResponse>((done) => projects.registerProject({ path: dir, name: "", projectId: "", runtime: "", permissionMode: "", model: "", permissionTimeoutSeconds: 0 }, done)),
      );
      expect(error.code).to.equal(grpc.status.ALREADY_EXISTS);
      expect(grpcReason(error)).to.equal("PROJECT_ALREADY_EXISTS");
    });

    it("returns INVALID_ARGUMENT, not INTERNAL, for a priority number the enum does not have", async function () {
      const error = await grpcFailure(() => addWork("x", 42 as TsWorkPriority));
      expect(error.code, error.details).to.equal(grpc.status.INVALID_ARGUMENT);
      expect(error.details).to.include("priority");
    });

    it("streams a work_changed change with a seq from WatchChanges, and cancelling releases it", async function () {
      const call = watch.watchChanges({ projectId, kinds: [TsChangeKind.CHANGE_KIND_WORK_CHANGED], afterSeq: 1n });
      const ended = new Promise<{ code: grpc.status }>((resolve) => {
        call.on("error", resolve);
        call.on("status", resolve);
      });
      // Every change is kept: the one awaited may arrive before addWork's own answer does.
      const seen: TsWatchChangesResponse[] = [];
      call.on("data", (response: TsWatchChangesResponse) => seen.push(response));
      const itemId = (await addWork("watched over grpc-js")).id;
      const { change } = await waitFor(() => seen.find((response) => response.change?.workItem?.id === itemId), {
        timeoutMs: 10_000,
        what: "the work_changed change of the new item",
      });
      expect(change?.kind).to.equal(TsChangeKind.CHANGE_KIND_WORK_CHANGED);
      expect(change?.seq).to.be.a("bigint");
      expect(change!.seq > 0n).to.equal(true);
      expect(change?.projectId).to.equal(projectId);

      call.cancel();
      expect((await ended).code).to.equal(grpc.status.CANCELLED);
      // The channel and the daemon carry on.
      const { projects: listed } = await unary<ListProjectsResponse>((done) => projects.listProjects({ pageSize: 0, pageToken: "" }, done));
      expect(listed.length).to.be.greaterThan(0);
    });

    it("answers grpc.health.v1.Health/Check with SERVING, and NOT_FOUND for an unknown service", async function () {
      const check = (service: string) => unary<HealthCheckResponse>((done) => health.check({ service }, done));
      expect((await check("")).status).to.equal(TsServingStatus.SERVING);
      expect((await check("commander.v1.ProjectService")).status).to.equal(TsServingStatus.SERVING);
      const error = await grpcFailure(() => check("no.such.Service"));
      expect(error.code).to.equal(grpc.status.NOT_FOUND);
    });
  });

  describe("every protocol on the one port", function () {
    it("sees the same state: a project registered over gRPC-Web is listed over REST and Connect", async function () {
      const grpcWeb = createClient(ProjectService, createGrpcWebTransport({ baseUrl: daemon.url, httpVersion: "1.1" }));
      const { project } = await grpcWeb.registerProject({ path: await daemon.newProjectDir(), name: "shared" });
      const listed = await (await fetch(`${daemon.url}/api/projects/${project!.id}`)).json();
      expect(listed).to.include({ id: project!.id, name: "shared", state: "idle" });
      const connect = createClient(ProjectService, createConnectTransport({ baseUrl: daemon.url, httpVersion: "1.1" }));
      expect((await connect.getProject({ projectId: project!.id })).project?.name).to.equal("shared");
    });
  });
});
