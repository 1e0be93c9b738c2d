import { useEffect, useState } from "preact/hooks";
import { tokenRequired } from "../auth-token.js";
import { followChanges } from "../live-state.js";
import { route } from "../router.js";
import { AnswerLinkPage } from "./AnswerLinkPage.js";
import { EventPage } from "./EventPage.js";
import { FleetView } from "./FleetView.js";
import { HealthBanner } from "./HealthBanner.js";
import { NavBar } from "./NavBar.js";
import { NeedsYou } from "./NeedsYou.js";
import { ProjectView } from "./ProjectView.js";
import { TerminalView } from "./TerminalView.js";
import { TokenPrompt } from "./TokenPrompt.js";
import { WorkPage } from "./WorkPage.js";

/**
 * The page: an answer link's confirmation page (which needs no API token: the link is the capability), or
 * the dashboard.
 */
export function App() {
  const current = route.value;
  return current.view === "answer" ? <AnswerLinkPage token={current.token} /> : <Dashboard />;
}

/** The dashboard: the token prompt when the daemon asks for one, else the health banner and the current view. */
function Dashboard() {
  // Bumped when a token is entered: the feed starts over with it.
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    void followChanges(controller.signal);
    return () => controller.abort();
  }, [attempt]);
  if (tokenRequired.value) return <TokenPrompt onToken={() => setAttempt(attempt + 1)} />;
  const current = route.value;
  return (
    <>
      <a href="#content" class="skip">
        Skip to content
      </a>
      <NavBar />
      <HealthBanner />
      <div id="content" class="content">
        {current.view === "needs-you" ? <NeedsYou /> : null}
        {current.view === "fleet" ? <FleetView /> : null}
        {current.view === "project" ? <ProjectView id={current.id} /> : null}
        {current.view === "terminal" ? <TerminalView id={current.id} /> : null}
        {current.view === "event" ? <EventPage id={current.id} /> : null}
        {current.view === "work" ? <WorkPage id={current.id} /> : null}
        {current.view === "not-found" ? (
          <main>
            <h1>Not found</h1>
            <p>
              Nothing lives at <code>{current.path}</code>. <a href="/" data-route>Needs you</a>
            </p>
          </main>
        ) : null}
      </div>
    </>
  );
}
