import { EventStatus } from "../../../gen/es/commander/v1/event_pb.js";
import { millis } from "../labels.js";
import { events, feedState } from "../live-state.js";
import { EventCard } from "./EventCard.js";

/** Every pending blocking event across the projects, oldest first: what the agents are waiting on. */
export function NeedsYou() {
  const waiting = [...events.value.values()]
    .filter((event) => event.isBlocking && event.status === EventStatus.PENDING)
    .sort((a, b) => millis(a.createdAt) - millis(b.createdAt));
  return (
    <main aria-labelledby="needs-you-heading">
      <h1 id="needs-you-heading">Needs you</h1>
      {waiting.length === 0 ? (
        <p class="empty" role="status">
          {feedState.value === "connecting" ? "Loading…" : "Nothing is waiting for you."}
        </p>
      ) : (
        <ol class="cards" aria-label="Waiting for you, oldest first">
          {waiting.map((event) => (
            <li key={event.id}>
              <EventCard event={event} headingLevel={2} />
            </li>
          ))}
        </ol>
      )}
    </main>
  );
}
