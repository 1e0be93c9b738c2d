import { useEffect } from "preact/hooks";
import { api } from "../api-client.js";
import { millis } from "../labels.js";
import { events, remember } from "../live-state.js";
import { useAction } from "../use-action.js";
import { EventCard } from "./EventCard.js";
import { ErrorLine } from "./ErrorLine.js";

/** The project's events, newest first, pending and past. */
export function ProjectEvents({ projectId }: { projectId: string }) {
  const load = useAction();
  useEffect(() => {
    void load.run(async () => remember({ events: (await api.events.listEvents({ projectId, limit: 50 })).events }));
  }, [projectId]);
  const list = [...events.value.values()].filter((event) => event.projectId === projectId).sort((a, b) => millis(b.createdAt) - millis(a.createdAt));
  return (
    <section aria-labelledby="events-heading">
      <h2 id="events-heading">Events</h2>
      {list.length === 0 ? <p class="empty">No events.</p> : null}
      <ol class="cards">
        {list.slice(0, 50).map((event) => (
          <li key={event.id}>
            <EventCard event={event} />
          </li>
        ))}
      </ol>
      <ErrorLine error={load.error} />
    </section>
  );
}
