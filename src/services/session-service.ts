import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  CreateSessionResponseSchema,
  DeleteSessionResponseSchema,
  GetSessionResponseSchema,
  ListSessionsResponseSchema,
  SessionService,
  StartSessionResponseSchema,
  StopSessionResponseSchema,
} from "../../gen/es/commander/v1/session_service_pb.js";
import type { AgentSupervisor } from "../app/agent-supervisor.js";
import type { CommanderCore } from "../app/commander-core.js";
import { CommanderError } from "../domain/commander-error.js";
import { getProject } from "../domain/project-rules.js";
import type { SessionRecord } from "../domain/records.js";
import { createSession, deleteSession, findSession, getSessionOfProject, listSessions } from "../domain/session-rules.js";
import { toSession } from "./convert/to-messages.js";
import { randomUUID } from "node:crypto";

export interface SessionServiceDeps {
  core: CommanderCore;
  agents: AgentSupervisor;
  knownRuntimes: readonly string[];
}

export function createSessionService({ core, agents, knownRuntimes }: SessionServiceDeps): ServiceImpl<typeof SessionService> {
  const render = (session: SessionRecord) => toSession(session, agents.attachCommand(session), core.state);
  return {
    async createSession(request) {
      const project = getProject(core.state, request.projectId);
      const runtime = request.runtime === "" ? project.runtime : request.runtime;
      if (!knownRuntimes.includes(runtime)) {
        throw new CommanderError("UNKNOWN_RUNTIME", `runtime: unknown runtime ${JSON.stringify(runtime)}; known: ${knownRuntimes.join(", ")}`, {
          field: "runtime",
        });
      }
      const session = await core.mutate((ctx) =>
        createSession(ctx, { projectId: project.id, runtime, agentSessionId: randomUUID() }),
      );
      return create(CreateSessionResponseSchema, { session: render(session) });
    },

    listSessions(request) {
      const page = listSessions(core.state, request.projectId, request);
      return create(ListSessionsResponseSchema, { sessions: page.items.map(render), nextPageToken: page.nextPageToken });
    },

    getSession(request) {
      return create(GetSessionResponseSchema, { session: render(getSessionOfProject(core.state, request.projectId)) });
    },

    async startSession(request) {
      getProject(core.state, request.projectId);
      return create(StartSessionResponseSchema, { session: render(await agents.start(request.projectId)) });
    },

    async stopSession(request) {
      getSessionOfProject(core.state, request.projectId);
      return create(StopSessionResponseSchema, { session: render(await agents.stop(request.projectId)) });
    },

    async deleteSession(request) {
      const session = findSession(core.state, request.sessionId);
      await agents.release(session.projectId);
      await core.mutate((ctx) => deleteSession(ctx, session.id));
      return create(DeleteSessionResponseSchema, {});
    },
  };
}
