import { useEffect } from "preact/hooks";
import { api } from "../api-client.js";
import { remember, workItems } from "../live-state.js";
import { pathOf } from "../router.js";
import { useAction } from "../use-action.js";
import { ErrorLine } from "./ErrorLine.js";
import { WorkItemRow } from "./WorkItemRow.js";

/** One work item by its id. */
export function WorkPage({ id }: { id: string }) {
  const item = workItems.value.get(id);
  const load = useAction();
  useEffect(() => {
    if (item === undefined) void load.run(async () => remember({ work: [(await api.work.getWork({ workId: id })).workItem!] }));
  }, [id]);
  return (
    <main>
      <h1>Work item</h1>
      {item !== undefined ? (
        <>
          <p>
            Project{" "}
            <a href={pathOf("projects", item.projectId)} data-route>
              {item.projectId}
            </a>
          </p>
          <WorkItemRow item={item} />
        </>
      ) : load.error !== undefined ? (
        <ErrorLine error={load.error} />
      ) : (
        <p class="empty">Loading…</p>
      )}
    </main>
  );
}
