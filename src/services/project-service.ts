import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  ListProjectsResponseSchema,
  PauseProjectResponseSchema,
  ProjectService,
  RegisterProjectResponseSchema,
  ResumeProjectResponseSchema,
  GetProjectResponseSchema,
  UnregisterProjectResponseSchema,
} from "../../gen/es/commander/v1/project_service_pb.js";
import type { AgentSupervisor } from "../app/agent-supervisor.js";
import type { CommanderCore } from "../app/commander-core.js";
import type { ProjectPaths } from "../app/project-paths.js";
import { CommanderError } from "../domain/commander-error.js";
import { getProject, listProjects, pauseProject, registerProject, resumeProject, unregisterProject } from "../domain/project-rules.js";
import { toProject } from "./convert/to-messages.js";

export interface ProjectServiceDeps {
  core: CommanderCore;
  paths: ProjectPaths;
  agents: AgentSupervisor;
  defaultRuntime: string;
  knownRuntimes: readonly string[];
}

export function createProjectService({ core, paths, agents, defaultRuntime, knownRuntimes }: ProjectServiceDeps): ServiceImpl<typeof ProjectService> {
  return {
    async registerProject(request) {
      const runtime = request.runtime === "" ? defaultRuntime : request.runtime;
      if (!knownRuntimes.includes(runtime)) {
        throw new CommanderError("UNKNOWN_RUNTIME", `runtime: unknown runtime ${JSON.stringify(runtime)}; known: ${knownRuntimes.join(", ")}`, {
          field: "runtime",
        });
      }
      const resolvedPath = await paths.resolve(request.path);
      const project = await core.mutate((ctx) =>
        registerProject(ctx, { resolvedPath, name: request.name, projectId: request.projectId, runtime }),
      );
      return create(RegisterProjectResponseSchema, { project: toProject(project, core.state) });
    },

    listProjects(request) {
      const page = listProjects(core.state, request);
      const projects = page.items.map((project) => toProject(project, core.state));
      return create(ListProjectsResponseSchema, { projects, nextPageToken: page.nextPageToken });
    },

    getProject(request) {
      const project = getProject(core.state, request.projectId);
      return create(GetProjectResponseSchema, { project: toProject(project, core.state) });
    },

    async unregisterProject(request) {
      // Validate before touching the agent, so a refused request changes nothing.
      core.check((ctx) => unregisterProject(ctx, request.projectId, request.force));
      await agents.release(request.projectId);
      await core.mutate((ctx) => unregisterProject(ctx, request.projectId, request.force));
      return create(UnregisterProjectResponseSchema, {});
    },

    async pauseProject(request) {
      const project = await core.mutate((ctx) => pauseProject(ctx, request.projectId, request.reason));
      return create(PauseProjectResponseSchema, { project: toProject(project, core.state) });
    },

    async resumeProject(request) {
      const project = await core.mutate((ctx) => resumeProject(ctx, request.projectId));
      return create(ResumeProjectResponseSchema, { project: toProject(project, core.state) });
    },
  };
}
