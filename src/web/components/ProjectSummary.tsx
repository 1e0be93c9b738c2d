import type { Project } from "../../../gen/es/commander/v1/project_pb.js";
import { ago, projectStateWord, sessionStateWord } from "../labels.js";
import { sessions, workItems } from "../live-state.js";
import { pathOf } from "../router.js";
import { ProjectControls } from "./ProjectControls.js";

/** A project in the fleet: its state and why, its agent's state, what it is working on, its queue. */
export function ProjectSummary({ project }: { project: Project }) {
  const session = sessions.value.get(project.id);
  const current = session?.currentWorkId !== undefined ? workItems.value.get(session.currentWorkId) : undefined;
  const state = projectStateWord(project.state);
  return (
    <article class={`card project state-${state}`} aria-labelledby={`project-${project.id}`} data-project-id={project.id}>
      <h2 id={`project-${project.id}`}>
        <a href={pathOf("projects", project.id)} data-route>
          {project.name || project.id}
        </a>
      </h2>
      <dl class="facts">
        <div>
          <dt>State</dt>
          <dd>
            <span class={`tag state-${state}`}>{state}</span>
            {project.stateReason ? <span class="reason"> {project.stateReason}</span> : null}
          </dd>
        </div>
        <div>
          <dt>Agent</dt>
          <dd>
            {session === undefined ? "none" : sessionStateWord(session.state)}
            {session?.stateReason ? <span class="reason"> {session.stateReason}</span> : null} ({project.runtime})
          </dd>
        </div>
        <div>
          <dt>Working on</dt>
          <dd class="agent-text-inline">{current !== undefined ? current.content : "—"}</dd>
        </div>
        <div>
          <dt>Queue</dt>
          <dd>
            {project.queuedWorkCount} queued, {project.pendingEventsCount} waiting for you
          </dd>
        </div>
        <div>
          <dt>Last activity</dt>
          <dd>{ago(project.lastActivity)}</dd>
        </div>
      </dl>
      <ProjectControls project={project} />
    </article>
  );
}
