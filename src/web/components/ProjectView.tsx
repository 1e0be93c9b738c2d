import { useEffect } from "preact/hooks";
import { api } from "../api-client.js";
import { projects, remember } from "../live-state.js";
import { pathOf } from "../router.js";
import { useAction } from "../use-action.js";
import { AddWorkForm } from "./AddWorkForm.js";
import { ErrorLine } from "./ErrorLine.js";
import { InboxPanel } from "./InboxPanel.js";
import { PolicyPanel } from "./PolicyPanel.js";
import { ProjectEvents } from "./ProjectEvents.js";
import { ProjectSettings } from "./ProjectSettings.js";
import { ProjectSummary } from "./ProjectSummary.js";
import { WorkQueue } from "./WorkQueue.js";

/** One project: its summary and controls, its queue and history, its inbox and its events. */
export function ProjectView({ id }: { id: string }) {
  const project = projects.value.get(id);
  const load = useAction();
  useEffect(() => {
    if (project === undefined) void load.run(async () => remember({ projects: [(await api.projects.getProject({ projectId: id })).project!] }));
  }, [id]);
  if (project === undefined) {
    return (
      <main>
        <h1>Project {id}</h1>
        {load.error !== undefined ? <ErrorLine error={load.error} /> : <p class="empty">Loading…</p>}
      </main>
    );
  }
  return (
    <main aria-labelledby="project-heading" class="project-view">
      <h1 id="project-heading">{project.name || project.id}</h1>
      <p class="small path">{project.path}</p>
      <p>
        <a href={pathOf("projects", id, "/terminal")} data-route class="button-link">
          Open terminal
        </a>
      </p>
      <ProjectSummary project={project} />
      <section aria-labelledby="add-work-heading">
        <h2 id="add-work-heading">Add work</h2>
        <AddWorkForm projectId={id} />
      </section>
      <WorkQueue projectId={id} />
      <InboxPanel projectId={id} />
      <ProjectEvents projectId={id} />
      <ProjectSettings project={project} />
      <PolicyPanel project={project} />
    </main>
  );
}
