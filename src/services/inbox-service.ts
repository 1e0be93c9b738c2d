import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { EventPrioritySchema } from "../../gen/es/commander/v1/event_pb.js";
import { InboxMessageStateSchema } from "../../gen/es/commander/v1/inbox_message_pb.js";
import {
  GetInboxCountsResponseSchema,
  GetThreadResponseSchema,
  InboxService,
  ListInboxResponseSchema,
  SendMessageResponseSchema,
} from "../../gen/es/commander/v1/inbox_service_pb.js";
import type { CommanderCore } from "../app/commander-core.js";
import { inboxCounts, listInbox, projectThread, sendMessage } from "../domain/inbox-rules.js";
import type { EventPriority, InboxMessageState } from "../domain/records.js";
import { optionalEnumWord } from "./convert/enum-words.js";
import { toInboxMessage } from "./convert/to-messages.js";

export function createInboxService({ core }: { core: CommanderCore }): ServiceImpl<typeof InboxService> {
  return {
    async sendMessage(request) {
      const message = await core.mutate((ctx) =>
        sendMessage(ctx, {
          projectId: request.projectId,
          content: request.content,
          priority: optionalEnumWord<EventPriority>(EventPrioritySchema, request.priority, "priority"),
          sessionId: request.sessionId,
        }),
      );
      return create(SendMessageResponseSchema, { message: toInboxMessage(message) });
    },

    listInbox(request) {
      const filter = {
        projectId: request.projectId,
        priority: optionalEnumWord<EventPriority>(EventPrioritySchema, request.priority, "priority"),
        state: optionalEnumWord<InboxMessageState>(InboxMessageStateSchema, request.state, "state"),
        limit: request.limit,
        offset: request.offset,
      };
      const page = listInbox(core.state, filter, request);
      return create(ListInboxResponseSchema, { messages: page.items.map(toInboxMessage), total: page.total, nextPageToken: page.nextPageToken });
    },

    getInboxCounts(request) {
      return create(GetInboxCountsResponseSchema, inboxCounts(core.state, request.projectId));
    },

    getThread(request) {
      const page = projectThread(core.state, request.projectId, request);
      return create(GetThreadResponseSchema, { messages: page.items.map(toInboxMessage), nextPageToken: page.nextPageToken });
    },
  };
}
