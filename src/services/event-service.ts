import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { EventStatusSchema, EventTypeSchema } from "../../gen/es/commander/v1/event_pb.js";
import {
  DismissEventResponseSchema,
  EventService,
  GetEventResponseSchema,
  ListEventsResponseSchema,
  ListPendingEventsResponseSchema,
  ResolveEventResponseSchema,
} from "../../gen/es/commander/v1/event_service_pb.js";
import type { AgentSupervisor } from "../app/agent-supervisor.js";
import type { CommanderCore } from "../app/commander-core.js";
import { invalidField } from "../domain/commander-error.js";
import { dismissEvent, getEvent, listEvents, listPendingEvents, resolveEvent } from "../domain/event-rules.js";
import type { EventStatus, EventType } from "../domain/records.js";
import { settleBudgetEvent } from "../domain/budget-rules.js";
import { optionalEnumWord, wordToEnum } from "./convert/enum-words.js";
import { toEvent } from "./convert/to-messages.js";

export function createEventService({ core, agents }: { core: CommanderCore; agents: AgentSupervisor }): ServiceImpl<typeof EventService> {
  return {
    listPendingEvents(request) {
      const page = listPendingEvents(core.state, request.projectId, request);
      return create(ListPendingEventsResponseSchema, { events: page.items.map(toEvent), nextPageToken: page.nextPageToken });
    },

    listEvents(request) {
      const filter = {
        projectId: request.projectId,
        status: optionalEnumWord<EventStatus>(EventStatusSchema, request.status, "status"),
        type: optionalEnumWord<EventType>(EventTypeSchema, request.type, "type"),
        limit: request.limit,
      };
      const page = listEvents(core.state, filter, request);
      return create(ListEventsResponseSchema, { events: page.items.map(toEvent), nextPageToken: page.nextPageToken });
    },

    getEvent(request) {
      return create(GetEventResponseSchema, { event: toEvent(getEvent(core.state, request.eventId)) });
    },

    async resolveEvent(request) {
      // The usage guide sends `resolution`, the original implementation `response`.
      if (request.resolution !== "" && request.response !== "" && request.resolution !== request.response) {
        throw invalidField("resolution", "and response differ; send one of them");
      }
      const answer = request.resolution !== "" ? request.resolution : request.response;
      if (answer.trim() === "") throw invalidField("resolution", "must not be empty");
      const outcome = await core.mutate((ctx) => {
        const resolved = resolveEvent(ctx, request.eventId, answer);
        if (resolved.changed) settleBudgetEvent(ctx, resolved.event);
        return resolved;
      });
      // Only the call that resolved the event delivers it, so resolving twice never answers twice.
      const delivered = outcome.changed ? await agents.deliverResolution(outcome.event) : false;
      const event = core.state.events.get(outcome.event.id) ?? outcome.event;
      return create(ResolveEventResponseSchema, {
        eventId: event.id,
        status: wordToEnum(EventStatusSchema, event.status),
        sessionResumed: delivered,
        event: toEvent(event),
      });
    },

    async dismissEvent(request) {
      const event = await core.mutate((ctx) => dismissEvent(ctx, request.eventId));
      await agents.deliverResolution(event);
      return create(DismissEventResponseSchema, { event: toEvent(event) });
    },
  };
}
