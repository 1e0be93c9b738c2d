import { EventStatus } from "../../../gen/es/commander/v1/event_pb.js";
import { events } from "../live-state.js";
import { route } from "../router.js";

/** The views: Needs you (with its count), Fleet. */
export function NavBar() {
  const waiting = [...events.value.values()].filter((event) => event.isBlocking && event.status === EventStatus.PENDING).length;
  const view = route.value.view;
  return (
    <header class="top">
      <a href="/" data-route class="brand">
        Commander
      </a>
      <nav aria-label="Views">
        <a href="/" data-route aria-current={view === "needs-you" || view === "event" ? "page" : undefined}>
          Needs you{waiting > 0 ? <span class="count" aria-label={`${waiting} waiting`}>{waiting}</span> : null}
        </a>
        <a href="/fleet" data-route aria-current={view === "fleet" || view === "project" || view === "terminal" || view === "work" ? "page" : undefined}>
          Fleet
        </a>
      </nav>
    </header>
  );
}
