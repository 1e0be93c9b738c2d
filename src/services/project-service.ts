import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { PolicyActionSchema } from "../../gen/es/commander/v1/project_pb.js";
import {
  AddPolicyRuleResponseSchema,
  ListPolicyRulesResponseSchema,
  RemovePolicyRuleResponseSchema,
  UpdateProjectResponseSchema,
  type ListProjectsResponse,
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
import { CommanderError, invalidField } from "../domain/commander-error.js";
import { getProject, listProjects, pauseProject, registerProject, resumeProject, unregisterProject } from "../domain/project-rules.js";
import { addPolicyRules, policyRules, removePolicyRule } from "../domain/project-policy.js";
import {
  updateProjectSettings,
  validModel,
  validPermissionMode,
  validPermissionTimeout,
  validUpdateMask,
  type ProjectSettingsPatch,
} from "../domain/project-settings.js";
import type { PolicyAction } from "../domain/records.js";
import { optionalEnumWord } from "./convert/enum-words.js";
import { keptResponses, stateVersion } from "./convert/kept-messages.js";
import { toPolicyRule, toProject } from "./convert/to-messages.js";

export interface ProjectServiceDeps {
  core: CommanderCore;
  paths: ProjectPaths;
  agents: AgentSupervisor;
  defaultRuntime: string;
  knownRuntimes: readonly string[];
}

export function createProjectService({ core, paths, agents, defaultRuntime, knownRuntimes }: ProjectServiceDeps): ServiceImpl<typeof ProjectService> {
  const keptLists = keptResponses<ListProjectsResponse>();
  return {
    async registerProject(request) {
      const runtime = request.runtime === "" ? defaultRuntime : request.runtime;
      if (!knownRuntimes.includes(runtime)) {
        throw new CommanderError("UNKNOWN_RUNTIME", `runtime: unknown runtime ${JSON.stringify(runtime)}; known: ${knownRuntimes.join(", ")}`, {
          field: "runtime",
        });
      }
      const permissionMode = validPermissionMode(request.permissionMode);
      const model = validModel(request.model);
      const permissionTimeoutSeconds = validPermissionTimeout(request.permissionTimeoutSeconds);
      const resolvedPath = await paths.resolve(request.path);
      const project = await core.mutate((ctx) => {
        const registered = registerProject(ctx, { resolvedPath, name: request.name, projectId: request.projectId, runtime });
        return permissionMode === "" && model === "" && permissionTimeoutSeconds === 0
          ? registered
          : updateProjectSettings(ctx, registered.id, { permissionMode, model, permissionTimeoutSeconds });
      });
      return create(RegisterProjectResponseSchema, { project: toProject(project, core.state) });
    },

    listProjects(request) {
      return keptLists(`${request.pageSize}/${request.pageToken}`, stateVersion(core.state), () => {
        const page = listProjects(core.state, request);
        const projects = page.items.map((project) => toProject(project, core.state));
        return create(ListProjectsResponseSchema, { projects, nextPageToken: page.nextPageToken });
      });
    },

    getProject(request) {
      const project = getProject(core.state, request.projectId);
      return create(GetProjectResponseSchema, { project: toProject(project, core.state) });
    },

    async updateProject(request) {
      const given = request.project;
      // AIP-134: without a mask, the fields the request sets.
      const paths =
        request.updateMask && request.updateMask.paths.length > 0
          ? validUpdateMask(request.updateMask.paths)
          : validUpdateMask(
              [
                given?.name ? "name" : null,
                given?.permissionMode ? "permission_mode" : null,
                given?.model ? "model" : null,
                given?.permissionTimeoutSeconds ? "permission_timeout_seconds" : null,
              ].filter((path): path is string => path !== null),
            );
      if (paths.length === 0) throw invalidField("update_mask", "names no field to change; give update_mask or set name, permission_mode, model or permission_timeout_seconds");
      const patch: ProjectSettingsPatch = {};
      if (paths.includes("name")) patch.name = given?.name ?? "";
      if (paths.includes("permission_mode")) patch.permissionMode = given?.permissionMode ?? "";
      if (paths.includes("model")) patch.model = given?.model ?? "";
      if (paths.includes("permission_timeout_seconds")) patch.permissionTimeoutSeconds = given?.permissionTimeoutSeconds ?? 0;
      const project = await core.mutate((ctx) => updateProjectSettings(ctx, request.projectId, patch));
      return create(UpdateProjectResponseSchema, { project: toProject(project, core.state) });
    },

    listPolicyRules(request) {
      return create(ListPolicyRulesResponseSchema, { rules: policyRules(core.state, request.projectId).map(toPolicyRule) });
    },

    async addPolicyRule(request) {
      const action = optionalEnumWord<PolicyAction>(PolicyActionSchema, request.action, "action");
      if (action === null) throw invalidField("action", "must be allow or deny");
      const rules = await core.mutate((ctx) => addPolicyRules(ctx, request.projectId, [{ rule: request.rule, action }], "api"));
      return create(AddPolicyRuleResponseSchema, { rules: rules.map(toPolicyRule) });
    },

    async removePolicyRule(request) {
      const action = optionalEnumWord<PolicyAction>(PolicyActionSchema, request.action, "action");
      const rules = await core.mutate((ctx) => removePolicyRule(ctx, request.projectId, request.rule, action));
      return create(RemovePolicyRuleResponseSchema, { rules: rules.map(toPolicyRule) });
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
