import type { CommanderState } from "../domain/commander-state.js";
import { invalidField } from "../domain/commander-error.js";
import { paginate, sortByOrdering, type Ordering, type Page, type PageRequest } from "../domain/paginate.js";
import type { OutboxRecord, OutboxState } from "../domain/records.js";
import { parseTarget, type NotificationTarget } from "./notification-target.js";

const STATES: readonly OutboxState[] = ["pending", "delivered", "failed"];

/** What a first page holds when the request names no size: the old `limit` default. */
export const DEFAULT_NOTIFICATIONS_PAGE_SIZE = 100;

export interface NotificationFilter {
  state: string;
  target: string;
}

/** Newest first; creation order (the stable sort) among notifications of the same millisecond. */
const NOTIFICATION_ORDER: Ordering<OutboxRecord> = {
  key: (record) => [record.createdAt],
  directions: [-1],
  id: (record) => record.id,
};

/**
 * One page of notifications. `limit` is the older name of the page size, used when `pageSize` is 0.
 * Throws INVALID_ARGUMENT naming `state` or `limit` for a bad filter.
 */
export function listNotificationsPage(state: CommanderState, filter: NotificationFilter, limit: number, page: PageRequest): Page<OutboxRecord> {
  if (filter.state !== "" && !STATES.includes(filter.state as OutboxState)) throw invalidField("state", `must be one of ${STATES.join(", ")}`);
  if (!Number.isInteger(limit) || limit < 0) throw invalidField("limit", "must not be negative");
  const records = [...state.collections.outbox.values()].filter(
    (record) => (filter.state === "" || record.state === filter.state) && (filter.target === "" || record.target === filter.target),
  );
  const query = JSON.stringify(["ListNotifications", filter.state, filter.target]);
  const pageSize = page.pageSize === 0 ? limit : page.pageSize;
  return paginate(sortByOrdering(records, NOTIFICATION_ORDER), NOTIFICATION_ORDER, query, { pageSize, pageToken: page.pageToken }, DEFAULT_NOTIFICATIONS_PAGE_SIZE);
}

interface ListedTarget {
  target: NotificationTarget;
  /** Config-file targets first (in file order), then API targets (in the order they were added). */
  key: [number, string];
}

const TARGET_ORDER: Ordering<ListedTarget> = {
  key: (listed) => listed.key,
  directions: [1, 1],
  id: (listed) => listed.target.name,
};

/** One page of the targets: the config file's, then those added through the API. */
export function listTargetsPage(configTargets: readonly NotificationTarget[], state: CommanderState, page: PageRequest): Page<NotificationTarget> {
  const listed: ListedTarget[] = configTargets.map((target, index) => ({ target, key: [0, String(index).padStart(8, "0")] }));
  for (const record of state.collections.notification_targets.values()) {
    try {
      listed.push({ target: parseTarget(record.settings, "", "api"), key: [1, record.createdAt] });
    } catch {
      // A stored target that no longer validates is skipped, as everywhere else.
    }
  }
  const result = paginate(sortByOrdering(listed, TARGET_ORDER), TARGET_ORDER, JSON.stringify(["ListNotificationTargets"]), page);
  return { items: result.items.map((entry) => entry.target), nextPageToken: result.nextPageToken };
}
