import { create, type JsonObject } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { AgentHookService, ReportHookResponseSchema } from "../../gen/es/commander/v1/agent_hook_service_pb.js";
import type { AgentSupervisor } from "../app/agent-supervisor.js";

export function createAgentHookService({ agents }: { agents: AgentSupervisor }): ServiceImpl<typeof AgentHookService> {
  return {
    async reportHook(request, context) {
      const output = await agents.handleHook(
        request.sessionId,
        context.requestHeader.get("authorization") ?? "",
        (request.payload ?? {}) as Record<string, unknown>,
        context.signal,
      );
      return create(ReportHookResponseSchema, { output: output as JsonObject });
    },
  };
}
