import { useState } from "preact/hooks";
import { type Project, ProjectState } from "../../../gen/es/commander/v1/project_pb.js";
import { SessionState } from "../../../gen/es/commander/v1/session_pb.js";
import { api } from "../api-client.js";
import { remember, sessions } from "../live-state.js";
import { navigate } from "../router.js";
import { useAction } from "../use-action.js";
import { ErrorLine } from "./ErrorLine.js";

const RUNNING = new Set([SessionState.STARTING, SessionState.IDLE, SessionState.BUSY, SessionState.WAITING]);

/** Start or stop the agent, pause or resume the project, unregister it (asked twice). */
export function ProjectControls({ project }: { project: Project }) {
  const session = sessions.value.get(project.id);
  const running = session !== undefined && RUNNING.has(session.state);
  const paused = project.state === ProjectState.PAUSED;
  const action = useAction();
  const [confirming, setConfirming] = useState(false);
  const label = project.name || project.id;
  return (
    <div class="controls">
      {running ? (
        <button type="button" disabled={action.busy} onClick={() => action.run(() => api.sessions.stopSession({ projectId: project.id }))} aria-label={`Stop agent of ${label}`}>
          Stop agent
        </button>
      ) : (
        <button type="button" disabled={action.busy} onClick={() => action.run(() => api.sessions.startSession({ projectId: project.id }))} aria-label={`Start agent of ${label}`}>
          Start agent
        </button>
      )}
      {paused ? (
        <button
          type="button"
          disabled={action.busy}
          aria-label={`Resume ${label}`}
          onClick={() => action.run(async () => remember({ projects: [(await api.projects.resumeProject({ projectId: project.id })).project!] }))}
        >
          Resume
        </button>
      ) : (
        <button
          type="button"
          disabled={action.busy}
          aria-label={`Pause ${label}`}
          onClick={() => action.run(async () => remember({ projects: [(await api.projects.pauseProject({ projectId: project.id, reason: "paused from the dashboard" })).project!] }))}
        >
          Pause
        </button>
      )}
      {confirming ? (
        <>
          <button
            type="button"
            class="danger"
            disabled={action.busy}
            aria-label={`Really unregister ${label}`}
            onClick={async () => {
              if (await action.run(() => api.projects.unregisterProject({ projectId: project.id, force: true }))) navigate("/fleet");
              setConfirming(false);
            }}
          >
            Really unregister
          </button>
          <button type="button" class="quiet" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </>
      ) : (
        <button type="button" class="quiet" aria-label={`Unregister ${label}`} onClick={() => setConfirming(true)}>
          Unregister
        </button>
      )}
      <ErrorLine error={action.error} />
    </div>
  );
}
