import { useEffect } from "preact/hooks";
import { api } from "../api-client.js";
import { events, remember } from "../live-state.js";
import { useAction } from "../use-action.js";
import { ErrorLine } from "./ErrorLine.js";
import { EventCard } from "./EventCard.js";

/** One event by its id (the deep link notifications point to). */
export function EventPage({ id }: { id: string }) {
  const event = events.value.get(id);
  const load = useAction();
  useEffect(() => {
    void load.run(async () => remember({ events: [(await api.events.getEvent({ eventId: id })).event!] }));
  }, [id]);
  return (
    <main>
      <h1>Event</h1>
      {event !== undefined ? <EventCard event={event} headingLevel={2} /> : load.error !== undefined ? <ErrorLine error={load.error} /> : <p class="empty">Loading…</p>}
    </main>
  );
}
