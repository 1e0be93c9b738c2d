import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  AddNotificationTargetResponseSchema,
  DescribeAnswerLinkResponseSchema,
  ListNotificationsResponseSchema,
  ListNotificationTargetsResponseSchema,
  NotificationSchema,
  NotificationService,
  NotificationTargetSchema,
  RemoveNotificationTargetResponseSchema,
  TestNotificationTargetResponseSchema,
  UseAnswerLinkResponseSchema,
  type Notification,
  type NotificationTarget as NotificationTargetMessage,
} from "../../gen/es/commander/v1/notification_service_pb.js";
import type { AgentSupervisor } from "../app/agent-supervisor.js";
import type { CommanderCore } from "../app/commander-core.js";
import { CommanderError, invalidField } from "../domain/commander-error.js";
import type { OutboxRecord } from "../domain/records.js";
import { answerByLink, answerLinkProblem, readAnswerLink } from "../notify/answer-links.js";
import { listNotificationsPage, listTargetsPage } from "../notify/list-notifications.js";
import type { NotificationCenter } from "../notify/notification-center.js";
import { parseTarget, targetNotFound, type NotificationTarget } from "../notify/notification-target.js";
import { addTarget, removeTarget } from "../notify/notification-targets.js";
import type { NotificationItem } from "../notify/plan-notifications.js";

export interface NotificationServiceDeps {
  core: CommanderCore;
  agents: AgentSupervisor;
  notifications: NotificationCenter;
  configTargets: readonly NotificationTarget[];
  answerLinkKey: Buffer;
}

export function createNotificationService(deps: NotificationServiceDeps): ServiceImpl<typeof NotificationService> {
  const { core, notifications, configTargets } = deps;
  return {
    listNotificationTargets(request) {
      const page = listTargetsPage(configTargets, core.state, request);
      return create(ListNotificationTargetsResponseSchema, { targets: page.items.map(toTargetMessage), nextPageToken: page.nextPageToken });
    },

    async addNotificationTarget(request) {
      const target = parseTarget(
        {
          name: request.name,
          url: request.url,
          format: request.format,
          on: request.on,
          projects: request.projects,
          secret: request.secret,
          answer_links: request.answerLinks,
        },
        "",
        "api",
      );
      await core.mutate((ctx) => addTarget(ctx, configTargets, target));
      return create(AddNotificationTargetResponseSchema, { target: toTargetMessage(target) });
    },

    async removeNotificationTarget(request) {
      if (request.name === "") throw invalidField("name", "must not be empty");
      const target = await core.mutate((ctx) => removeTarget(ctx, configTargets, request.name));
      return create(RemoveNotificationTargetResponseSchema, { target: toTargetMessage(target) });
    },

    async testNotificationTarget(request) {
      if (request.name === "") throw invalidField("name", "must not be empty");
      const target = notifications.targets().find((candidate) => candidate.name === request.name);
      if (!target) throw targetNotFound(request.name);
      const outcome = await notifications.test(target);
      return create(TestNotificationTargetResponseSchema, { delivered: outcome.delivered, httpStatus: outcome.status, error: outcome.error });
    },

    listNotifications(request) {
      const page = listNotificationsPage(core.state, { state: request.state, target: request.target }, request.limit, request);
      return create(ListNotificationsResponseSchema, { notifications: page.items.map(toNotificationMessage), nextPageToken: page.nextPageToken });
    },

    describeAnswerLink(request) {
      const read = readAnswerLink(deps.answerLinkKey, request.token);
      if ("problem" in read) return create(DescribeAnswerLinkResponseSchema, { valid: false, problem: read.problem });
      const { claims } = read;
      const event = core.state.events.get(claims.eventId);
      const problem = answerLinkProblem(core.state, claims, Date.now());
      return create(DescribeAnswerLinkResponseSchema, {
        valid: problem === undefined,
        problem: problem ?? "",
        eventId: claims.eventId,
        title: event?.title ?? "",
        option: event?.options[claims.option] ?? "",
        expiresAt: timestampFromDate(new Date(claims.expiresAt)),
      });
    },

    async useAnswerLink(request) {
      const read = readAnswerLink(deps.answerLinkKey, request.token);
      if ("problem" in read) throw new CommanderError("ANSWER_LINK_INVALID", `answer link refused: ${read.problem}`);
      const outcome = await core.mutate((ctx) => answerByLink(ctx, read.claims));
      const delivered = outcome.changed ? await deps.agents.deliverResolution(outcome.event) : false;
      return create(UseAnswerLinkResponseSchema, { eventId: outcome.event.id, resolution: outcome.event.resolution ?? "", sessionResumed: delivered });
    },
  };
}

function toTargetMessage(target: NotificationTarget): NotificationTargetMessage {
  return create(NotificationTargetSchema, {
    name: target.name,
    url: redactUrl(target.url),
    format: target.format,
    on: target.on,
    projects: target.projects,
    answerLinks: target.answerLinks,
    hasSecret: target.secret !== "",
    source: target.source,
  });
}

// Webhook URLs often carry their own secret in the path (Slack's do) or the query: only the origin and
// the first path segment are shown.
function redactUrl(url: string): string {
  const parsed = new URL(url);
  const first = parsed.pathname.split("/").filter(Boolean)[0];
  const rest = parsed.pathname.split("/").filter(Boolean).length > 1 || parsed.search !== "";
  return `${parsed.origin}/${first ?? ""}${rest ? "/…" : ""}`;
}

function toNotificationMessage(record: OutboxRecord): Notification {
  const items = (record.payload.items as NotificationItem[] | undefined) ?? [];
  return create(NotificationSchema, {
    id: record.id,
    target: record.target,
    happening: record.happening,
    projectId: record.projectId,
    state: record.state,
    attempts: record.attempts,
    lastError: record.lastError ?? "",
    subjects: items.map((item) => item.id),
    createdAt: timestampFromDate(new Date(record.createdAt)),
    nextAttemptAt: record.state === "pending" ? timestampFromDate(new Date(record.nextAttemptAt)) : undefined,
    deliveredAt: record.deliveredAt === null ? undefined : timestampFromDate(new Date(record.deliveredAt)),
  });
}
