import { type WorkItem, WorkState } from "../../../gen/es/commander/v1/work_item_pb.js";
import { api } from "../api-client.js";
import { ago, workPriorityWord, workStateWord } from "../labels.js";
import { remember } from "../live-state.js";
import { pathOf } from "../router.js";
import { useAction } from "../use-action.js";
import { ErrorLine } from "./ErrorLine.js";

const FINISHED = new Set([WorkState.COMPLETED, WorkState.FAILED, WorkState.CANCELLED]);

/** One work item: its text, state, priority, dependencies, attempts and result or error; cancel if unfinished. */
export function WorkItemRow({ item }: { item: WorkItem }) {
  const action = useAction();
  const state = workStateWord(item.state);
  return (
    <article class={`work state-${state.replace(" ", "-")}`} data-work-id={item.id} aria-label={`Work item ${item.id}`}>
      <div class="meta">
        <span class={`tag state-${state.replace(" ", "-")}`}>{state}</span>
        <span class="tag">{workPriorityWord(item.priority)}</span>
        {item.attempts > 1 ? <span class="tag">attempt {item.attempts}</span> : null}
        <a href={pathOf("work", item.id)} data-route class="when">
          {ago(item.completedAt ?? item.startedAt ?? item.createdAt)}
        </a>
      </div>
      <pre class="agent-text work-content">{item.content}</pre>
      {item.dependsOn.length > 0 ? <p class="small">after {item.dependsOn.join(", ")}</p> : null}
      {item.stateReason ? <p class="small reason">{item.stateReason}</p> : null}
      {item.result !== undefined ? (
        <div class="result">
          <span class="small">Result</span>
          <pre class="agent-text work-result">{item.result}</pre>
        </div>
      ) : null}
      {item.error !== undefined ? <pre class="agent-text error-text">{item.error}</pre> : null}
      {!FINISHED.has(item.state) ? (
        <button
          type="button"
          class="quiet"
          disabled={action.busy}
          aria-label={`Cancel work item ${item.id}`}
          onClick={() => action.run(async () => remember({ work: [(await api.work.cancelWork({ workId: item.id, reason: "cancelled from the dashboard" })).workItem!] }))}
        >
          Cancel
        </button>
      ) : null}
      <ErrorLine error={action.error} />
    </article>
  );
}
