import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type { Logger } from "pino";
import {
  ChangeKindSchema,
  type WatchChangesResponse,
  WatchChangesResponseSchema,
  WatchService,
  WatchSessionOutputResponseSchema,
} from "../../gen/es/commander/v1/watch_service_pb.js";
import type { AgentSupervisor } from "../app/agent-supervisor.js";
import { subscribeToChanges } from "../app/change-subscription.js";
import type { CommanderCore } from "../app/commander-core.js";
import { invalidField } from "../domain/commander-error.js";
import { getProject } from "../domain/project-rules.js";
import type { ChangeKind, ChangeRecord } from "../domain/records.js";
import { optionalEnumWord } from "./convert/enum-words.js";
import { callLogger } from "./call-logger.js";
import { toChange, type ChangeRendering } from "./convert/to-messages.js";

export interface WatchServiceDeps {
  core: CommanderCore;
  agents: AgentSupervisor;
  maxBufferedChanges: number;
  logger: Logger;
}

export function createWatchService({ core, agents, maxBufferedChanges, logger }: WatchServiceDeps): ServiceImpl<typeof WatchService> {
  const watchLog = logger.child({ component: "watch" });
  // Open streams, logged (debug) as they open and close: what shows that a cancelled or cut-off
  // watcher is released and that subscriptions do not pile up.
  let changeWatchers = 0;
  let outputWatchers = 0;
  // Every watcher of a change gets the same message: built once, not once per watcher (with hundreds of
  // watchers, converting each change again for each of them was most of the daemon's work). A project's
  // message is the exception: its counts are read from the state when it is sent.
  const responses = new WeakMap<ChangeRecord, WatchChangesResponse>();
  const respond = (change: ChangeRecord, rendering: ChangeRendering): WatchChangesResponse => {
    if (change.subject.type === "project") return create(WatchChangesResponseSchema, { change: toChange(change, rendering) });
    let response = responses.get(change);
    if (response === undefined) {
      response = create(WatchChangesResponseSchema, { change: toChange(change, rendering) });
      responses.set(change, response);
    }
    return response;
  };

  return {
    async *watchChanges(request, context) {
      const log = callLogger(watchLog, context.requestHeader);
      if (request.projectId !== "") getProject(core.state, request.projectId);
      if (request.afterSeq < 0n) throw invalidField("after_seq", "must not be negative");
      const kinds = new Set(
        request.kinds.map((kind) => optionalEnumWord<ChangeKind>(ChangeKindSchema, kind, "kinds")).filter((kind) => kind !== null),
      );
      const rendering = { state: core.state, attachCommand: agents.attachCommand.bind(agents) };
      const afterSeq = Number(request.afterSeq);
      const changes = subscribeToChanges(
        core,
        { projectId: request.projectId, kinds, afterSeq },
        context.signal,
        maxBufferedChanges,
        (resumeAfterSeq) =>
          log.debug({ resumeAfterSeq, hubSubscribers: core.changes.subscriberCount }, "change watcher fell behind: released"),
      );
      changeWatchers++;
      log.debug({ watchers: changeWatchers, projectId: request.projectId, afterSeq }, "change watch opened");
      let outcome = "closed";
      try {
        for await (const change of changes) {
          yield respond(change, rendering);
        }
        if (context.signal.aborted) throw context.signal.reason;
      } catch (error) {
        outcome = context.signal.aborted ? "aborted" : ((error as { reason?: string }).reason ?? "failed");
        throw error;
      } finally {
        changeWatchers--;
        log.debug({ watchers: changeWatchers, hubSubscribers: core.changes.subscriberCount, outcome }, "change watch closed");
      }
    },

    async *watchSessionOutput(request, context) {
      const log = callLogger(watchLog, context.requestHeader);
      getProject(core.state, request.projectId);
      outputWatchers++;
      log.debug({ outputWatchers, projectId: request.projectId }, "output watch opened");
      try {
        for await (const chunk of agents.watchOutput(request.projectId, context.signal)) {
          yield create(WatchSessionOutputResponseSchema, chunk);
        }
        if (context.signal.aborted) throw context.signal.reason;
      } finally {
        outputWatchers--;
        log.debug({ outputWatchers, projectId: request.projectId }, "output watch closed");
      }
    },
  };
}
