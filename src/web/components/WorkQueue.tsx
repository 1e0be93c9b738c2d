import { type WorkItem, WorkState } from "../../../gen/es/commander/v1/work_item_pb.js";
import { millis } from "../labels.js";
import { workItems } from "../live-state.js";
import { WorkItemRow } from "./WorkItemRow.js";

const ACTIVE = new Set([WorkState.IN_PROGRESS, WorkState.BLOCKED]);

/** Dispatch order: what runs now, then the queue by priority (highest first), oldest first within one. */
export function dispatchOrder(items: WorkItem[]): WorkItem[] {
  const active = items.filter((item) => ACTIVE.has(item.state));
  const queued = items
    .filter((item) => item.state === WorkState.QUEUED)
    .sort((a, b) => b.priority - a.priority || millis(a.createdAt) - millis(b.createdAt));
  return [...active, ...queued];
}

/** A project's queue in dispatch order and its finished items (newest first) with their results. */
export function WorkQueue({ projectId }: { projectId: string }) {
  const items = [...workItems.value.values()].filter((item) => item.projectId === projectId);
  const queue = dispatchOrder(items);
  const history = items
    .filter((item) => !ACTIVE.has(item.state) && item.state !== WorkState.QUEUED)
    .sort((a, b) => millis(b.completedAt ?? b.createdAt) - millis(a.completedAt ?? a.createdAt));
  return (
    <>
      <section aria-labelledby="queue-heading">
        <h2 id="queue-heading">Queue</h2>
        {queue.length === 0 ? <p class="empty">Nothing queued.</p> : null}
        <ol class="work-list" aria-label="Queue in dispatch order">
          {queue.map((item) => (
            <li key={item.id}>
              <WorkItemRow item={item} />
            </li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        {history.length === 0 ? <p class="empty">No finished work yet.</p> : null}
        <ol class="work-list" aria-label="Finished work, newest first">
          {history.slice(0, 100).map((item) => (
            <li key={item.id}>
              <WorkItemRow item={item} />
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
