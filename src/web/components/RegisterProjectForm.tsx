import { useState } from "preact/hooks";
import { api } from "../api-client.js";
import { remember } from "../live-state.js";
import { useAction } from "../use-action.js";
import { ErrorLine } from "./ErrorLine.js";

/** Registers a project directory (its path on the daemon's machine), with an optional name and runtime. */
export function RegisterProjectForm() {
  const [path, setPath] = useState("");
  const [name, setName] = useState("");
  const [runtime, setRuntime] = useState("");
  const action = useAction();
  return (
    <form
      class="card form"
      aria-labelledby="register-heading"
      onSubmit={async (event) => {
        event.preventDefault();
        const ok = await action.run(async () => {
          const answer = await api.projects.registerProject({ path: path.trim(), name: name.trim(), runtime: runtime.trim() });
          if (answer.project !== undefined) remember({ projects: [answer.project] });
        });
        if (ok) {
          setPath("");
          setName("");
          setRuntime("");
        }
      }}
    >
      <h2 id="register-heading">Register a project</h2>
      <label for="register-path">Directory path</label>
      <input id="register-path" required value={path} placeholder="/home/me/code/app" onInput={(e) => setPath(e.currentTarget.value)} />
      <label for="register-name">Name (optional)</label>
      <input id="register-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <label for="register-runtime">Runtime (optional)</label>
      <input id="register-runtime" value={runtime} placeholder="claude-code, shell, …" onInput={(e) => setRuntime(e.currentTarget.value)} />
      <button type="submit" class="primary" disabled={action.busy}>
        Register
      </button>
      <ErrorLine error={action.error} />
    </form>
  );
}
