import { useState } from "preact/hooks";
import { WorkPriority } from "../../../gen/es/commander/v1/work_item_pb.js";
import { api } from "../api-client.js";
import { remember } from "../live-state.js";
import { useAction } from "../use-action.js";
import { ErrorLine } from "./ErrorLine.js";

const PRIORITIES: Array<[WorkPriority, string]> = [
  [WorkPriority.LOW, "low"],
  [WorkPriority.MEDIUM, "medium"],
  [WorkPriority.HIGH, "high"],
  [WorkPriority.CRITICAL, "critical"],
];

/** Queues a work item for the project's agent, with a priority. */
export function AddWorkForm({ projectId }: { projectId: string }) {
  const [content, setContent] = useState("");
  const [priority, setPriority] = useState(WorkPriority.MEDIUM);
  const action = useAction();
  return (
    <form
      class="form"
      aria-label="Add work"
      onSubmit={async (event) => {
        event.preventDefault();
        const ok = await action.run(async () => remember({ work: [(await api.work.addWork({ projectId, content, priority })).workItem!] }));
        if (ok) setContent("");
      }}
    >
      <label for="work-content">New work</label>
      <textarea id="work-content" rows={3} required value={content} onInput={(e) => setContent(e.currentTarget.value)} />
      <div class="row">
        <label for="work-priority">Priority</label>
        <select id="work-priority" value={String(priority)} onChange={(e) => setPriority(Number(e.currentTarget.value) as WorkPriority)}>
          {PRIORITIES.map(([value, word]) => (
            <option key={value} value={String(value)}>
              {word}
            </option>
          ))}
        </select>
        <button type="submit" class="primary" disabled={action.busy || content.trim() === ""}>
          Add work
        </button>
      </div>
      <ErrorLine error={action.error} />
    </form>
  );
}
