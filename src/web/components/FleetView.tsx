import { projects } from "../live-state.js";
import { ProjectSummary } from "./ProjectSummary.js";
import { RegisterProjectForm } from "./RegisterProjectForm.js";

/** Every project with its agent, live; and registering a new one. */
export function FleetView() {
  const list = [...projects.value.values()].sort((a, b) => (a.name || a.id).localeCompare(b.name || b.id));
  return (
    <main aria-labelledby="fleet-heading">
      <h1 id="fleet-heading">Fleet</h1>
      {list.length === 0 ? <p class="empty">No projects yet: register one below.</p> : null}
      <ul class="cards" aria-label="Projects">
        {list.map((project) => (
          <li key={project.id}>
            <ProjectSummary project={project} />
          </li>
        ))}
      </ul>
      <RegisterProjectForm />
    </main>
  );
}
