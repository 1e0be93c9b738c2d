import { useEffect, useState } from "preact/hooks";
import type { Project } from "../../../gen/es/commander/v1/project_pb.js";
import { api } from "../api-client.js";
import { remember } from "../live-state.js";
import { useAction } from "../use-action.js";
import { ErrorLine } from "./ErrorLine.js";

// Claude Code's `--permission-mode` values (src/domain/project-settings.ts); empty: the daemon's default.
const PERMISSION_MODES = ["", "default", "acceptEdits", "auto", "plan", "dontAsk", "bypassPermissions"];

/** The agent's permission mode and model, changed with UpdateProject (both named in the update mask). */
export function ProjectSettings({ project }: { project: Project }) {
  const [mode, setMode] = useState(project.permissionMode);
  const [model, setModel] = useState(project.model);
  const action = useAction();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setMode(project.permissionMode);
    setModel(project.model);
  }, [project.permissionMode, project.model]);
  const modes = PERMISSION_MODES.includes(project.permissionMode) ? PERMISSION_MODES : [...PERMISSION_MODES, project.permissionMode];
  const changed = mode !== project.permissionMode || model.trim() !== project.model;
  return (
    <section aria-labelledby="settings-heading">
      <h2 id="settings-heading">Agent settings</h2>
      <form
        class="form settings"
        onSubmit={async (e) => {
          e.preventDefault();
          setSaved(false);
          const ok = await action.run(async () => {
            const answer = await api.projects.updateProject({
              projectId: project.id,
              project: { permissionMode: mode, model: model.trim() },
              updateMask: { paths: ["permission_mode", "model"] },
            });
            if (answer.project !== undefined) remember({ projects: [answer.project] });
          });
          setSaved(ok);
        }}
      >
        <div class="row">
          <label for="permission-mode">Permission mode</label>
          <select id="permission-mode" value={mode} disabled={action.busy} onChange={(e) => setMode(e.currentTarget.value)}>
            {modes.map((value) => (
              <option key={value} value={value}>
                {value === "" ? "the daemon's default" : value}
              </option>
            ))}
          </select>
        </div>
        <label for="agent-model">Model (empty: the agent's own default)</label>
        <div class="row">
          <input id="agent-model" value={model} disabled={action.busy} onInput={(e) => setModel(e.currentTarget.value)} />
          <button type="submit" disabled={action.busy || !changed}>
            Save settings
          </button>
        </div>
        <p class="small">They apply from the agent's next start.</p>
        {saved && !changed ? (
          <p class="small" role="status">
            Saved.
          </p>
        ) : null}
        <ErrorLine error={action.error} />
      </form>
    </section>
  );
}
