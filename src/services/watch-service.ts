import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  ChangeKindSchema,
  WatchChangesResponseSchema,
  WatchService,
  WatchSessionOutputResponseSchema,
} from "../../gen/es/commander/v1/watch_service_pb.js";
import type { AgentSupervisor } from "../app/agent-supervisor.js";
import { subscribeToChanges } from "../app/change-subscription.js";
import type { CommanderCore } from "../app/commander-core.js";
import { invalidField } from "../domain/error-catalogue.js";
import { getProject } from "../domain/project-rules.js";
import type { ChangeKind } from "../domain/records.js";
import { enumToWord } from "./convert/enum-words.js";
import { toChange } from "./convert/to-messages.js";

export interface WatchServiceDeps {
  core: CommanderCore;
  agents: AgentSupervisor;
  maxBufferedChanges: number;
}

export function createWatchService({ core, agents, maxBufferedChanges }: WatchServiceDeps): ServiceImpl<typeof WatchService> {
  return {
    async *watchChanges(request, context) {
      if (request.projectId !== "") getProject(core.state, request.projectId);
      if (request.afterSeq < 0n) throw invalidField("after_seq", "must not be negative");
      const kinds = new Set(request.kinds.filter((kind) => kind !== 0).map((kind) => enumToWord<ChangeKind>(ChangeKindSchema, kind)));
      const rendering = { state: core.state, attachCommand: agents.attachCommand.bind(agents) };
      const changes = subscribeToChanges(
        core,
        { projectId: request.projectId, kinds, afterSeq: Number(request.afterSeq) },
        context.signal,
        maxBufferedChanges,
      );
      for await (const change of changes) {
        yield create(WatchChangesResponseSchema, { change: toChange(change, rendering) });
      }
      if (context.signal.aborted) throw context.signal.reason;
    },

    async *watchSessionOutput(request, context) {
      getProject(core.state, request.projectId);
      for await (const chunk of agents.watchOutput(request.projectId, context.signal)) {
        yield create(WatchSessionOutputResponseSchema, chunk);
      }
      if (context.signal.aborted) throw context.signal.reason;
    },
  };
}
