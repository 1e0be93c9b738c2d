import { api } from "../api-client.js";
import { feedState, health, loadError, refreshHealth } from "../live-state.js";
import { useAction } from "../use-action.js";
import { ErrorLine } from "./ErrorLine.js";

/** The daemon's degraded state and its problems, on every page, with the acknowledge action. */
export function HealthBanner() {
  const current = health.value;
  const action = useAction();
  const feed = feedState.value;
  return (
    <>
      {feed === "reconnecting" ? (
        <div class="banner warn" role="status">
          Connection to the daemon lost; reconnecting… {loadError.value ?? ""}
        </div>
      ) : null}
      {current !== undefined && current.status !== "ok" ? (
        <section class="banner bad" role="alert" aria-label="Daemon health">
          <strong>Daemon {current.status}</strong>
          <ul>
            {current.problems.map((problem, index) => (
              <li key={index}>
                <code>{problem.code}</code> {problem.message}
              </li>
            ))}
          </ul>
          <button
            type="button"
            disabled={action.busy}
            onClick={() => action.run(async () => {
              await api.health.acknowledgeProblems({});
              await refreshHealth();
            })}
          >
            Acknowledge
          </button>
          <ErrorLine error={action.error} />
        </section>
      ) : null}
    </>
  );
}
