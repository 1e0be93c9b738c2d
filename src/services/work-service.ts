import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { WorkPrioritySchema, WorkStateSchema } from "../../gen/es/commander/v1/work_item_pb.js";
import {
  AddWorkResponseSchema,
  CancelWorkResponseSchema,
  CompleteWorkResponseSchema,
  FailWorkResponseSchema,
  GetWorkResponseSchema,
  type ListWorkResponse,
  ListWorkResponseSchema,
  WorkService,
} from "../../gen/es/commander/v1/work_service_pb.js";
import type { CommanderCore } from "../app/commander-core.js";
import { getProject } from "../domain/project-rules.js";
import type { WorkPriority, WorkState } from "../domain/records.js";
import { addWork, cancelWork, completeWork, failWork, getWork, listWorkPage } from "../domain/work-rules.js";
import { optionalEnumWord } from "./convert/enum-words.js";
import { keptResponses, stateVersion } from "./convert/kept-messages.js";
import { convertWorkItem, toWorkItem } from "./convert/to-messages.js";

export function createWorkService({ core }: { core: CommanderCore }): ServiceImpl<typeof WorkService> {
  const keptLists = keptResponses<ListWorkResponse>();
  return {
    async addWork(request) {
      const item = await core.mutate((ctx) =>
        addWork(ctx, {
          projectId: request.projectId,
          content: request.content,
          priority: optionalEnumWord<WorkPriority>(WorkPrioritySchema, request.priority, "priority"),
          dependsOn: request.dependsOn,
        }),
      );
      return create(AddWorkResponseSchema, { workItem: convertWorkItem(item) });
    },

    listWork(request) {
      if (request.projectId !== "") getProject(core.state, request.projectId);
      const filter = {
        projectId: request.projectId,
        state: optionalEnumWord<WorkState>(WorkStateSchema, request.state, "state"),
        priority: optionalEnumWord<WorkPriority>(WorkPrioritySchema, request.priority, "priority"),
      };
      const key = JSON.stringify([filter.projectId, filter.state, filter.priority, request.pageSize, request.pageToken]);
      return keptLists(key, stateVersion(core.state), () => {
        const page = listWorkPage(core.state, filter, request);
        return create(ListWorkResponseSchema, { workItems: page.items.map(toWorkItem), nextPageToken: page.nextPageToken });
      });
    },

    getWork(request) {
      return create(GetWorkResponseSchema, { workItem: toWorkItem(getWork(core.state, request.workId, request.projectId)) });
    },

    async completeWork(request) {
      const item = await core.mutate((ctx) => completeWork(ctx, request.workId, request.result));
      return create(CompleteWorkResponseSchema, { workItem: convertWorkItem(item) });
    },

    async failWork(request) {
      const item = await core.mutate((ctx) => failWork(ctx, request.workId, request.error));
      return create(FailWorkResponseSchema, { workItem: convertWorkItem(item) });
    },

    async cancelWork(request) {
      const item = await core.mutate((ctx) => cancelWork(ctx, request.workId, request.projectId, request.reason));
      return create(CancelWorkResponseSchema, { workItem: convertWorkItem(item) });
    },
  };
}
