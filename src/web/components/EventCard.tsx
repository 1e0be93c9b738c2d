import { useState } from "preact/hooks";
import { type Event, EventStatus, EventType } from "../../../gen/es/commander/v1/event_pb.js";
import { api } from "../api-client.js";
import { ago, eventPriorityWord, eventTypeWord } from "../labels.js";
import { projects, remember } from "../live-state.js";
import { pathOf } from "../router.js";
import { useAction } from "../use-action.js";
import { allowAlwaysRules, resolvedByText } from "../event-answers.js";
import { ErrorLine } from "./ErrorLine.js";
import { PlanAnswers } from "./PlanAnswers.js";
import { QuestionAnswers } from "./QuestionAnswers.js";

/**
 * One event: its project, what the agent wants (title, content and the tool call, all as text), and for a
 * pending one a button per option (named by the option's label) plus a free-text answer where the event
 * accepts one.
 */
export function EventCard({ event, headingLevel = 3 }: { event: Event; headingLevel?: 2 | 3 }) {
  const project = projects.value.get(event.projectId);
  const action = useAction();
  const [text, setText] = useState("");
  const pending = event.status === EventStatus.PENDING;
  const strict = event.context?.strict_options === true;
  const kind = event.type === EventType.QUESTION && event.questions.length > 0 ? "questions" : event.type === EventType.PLAN_APPROVAL ? "plan" : "options";
  const freeText = pending && kind === "options" && (event.options.length === 0 || !strict);
  const alwaysRules = allowAlwaysRules(event);
  const byWhom = resolvedByText(event);
  const resolve = (resolution: string) =>
    action.run(async () => {
      const answer = await api.events.resolveEvent({ eventId: event.id, resolution });
      if (answer.event !== undefined) remember({ events: [answer.event] });
    });
  const Heading = headingLevel === 2 ? "h2" : "h3";
  const titleId = `event-title-${event.id}`;
  const details = toolDetails(event);
  return (
    <article class={`card event priority-${eventPriorityWord(event.priority)}`} aria-labelledby={titleId} data-event-id={event.id}>
      <div class="meta">
        <a href={pathOf("projects", event.projectId)} data-route class="project-link">
          {project?.name || event.projectId}
        </a>
        <span class="tag">{eventTypeWord(event.type)}</span>
        <span class="tag">{eventPriorityWord(event.priority)}</span>
        <a href={pathOf("events", event.id)} data-route class="when">
          {ago(event.createdAt)}
        </a>
      </div>
      <Heading id={titleId} class="event-title">
        {event.title}
      </Heading>
      {/* A pending question's text is its questions, shown with their answers below. */}
      {event.content !== "" && !(pending && kind === "questions") ? <pre class="agent-text">{event.content}</pre> : null}
      {details !== undefined ? (
        <details>
          <summary>{details.summary}</summary>
          <pre class="agent-text">{details.body}</pre>
        </details>
      ) : null}
      {pending ? (
        <div class="answers">
          {kind === "questions" ? <QuestionAnswers event={event} busy={action.busy} resolve={resolve} /> : null}
          {kind === "plan" ? <PlanAnswers event={event} busy={action.busy} resolve={resolve} /> : null}
          {kind === "options" && event.options.length > 0 ? (
            <div class="options" role="group" aria-label="Options">
              {event.options.map((option, index) => (
                <button
                  type="button"
                  key={index}
                  class={option === "allow always" ? "always" : index === 0 ? "primary" : ""}
                  aria-describedby={option === "allow always" ? `always-${event.id}` : undefined}
                  disabled={action.busy}
                  onClick={() => resolve(option)}
                >
                  {option}
                </button>
              ))}
            </div>
          ) : null}
          {kind === "options" && event.options.includes("allow always") ? (
            <p id={`always-${event.id}`} class="small always-note">
              <strong>allow always</strong> allows this and stops the agent asking again this session
              {alwaysRules.length > 0 ? (
                <>
                  , and adds to the project's policy: <span class="agent-text-inline">{alwaysRules.join(", ")}</span>
                </>
              ) : null}
              .
            </p>
          ) : null}
          {freeText ? (
            <form
              class="free-text"
              onSubmit={async (e) => {
                e.preventDefault();
                if (text.trim() !== "" && (await resolve(text))) setText("");
              }}
            >
              <label for={`answer-${event.id}`}>{event.options.length > 0 ? "Or answer in your own words" : "Your answer"}</label>
              <div class="row">
                <input id={`answer-${event.id}`} value={text} onInput={(e) => setText(e.currentTarget.value)} disabled={action.busy} />
                <button type="submit" disabled={action.busy || text.trim() === ""}>
                  Send answer
                </button>
              </div>
            </form>
          ) : null}
          <button
            type="button"
            class="quiet"
            disabled={action.busy}
            onClick={() =>
              action.run(async () => {
                const answer = await api.events.dismissEvent({ eventId: event.id });
                if (answer.event !== undefined) remember({ events: [answer.event] });
              })
            }
          >
            Dismiss
          </button>
        </div>
      ) : (
        <p class="resolution">
          {event.status === EventStatus.DISMISSED ? "Dismissed" : "Answered"}
          {byWhom !== undefined ? <span class="resolved-by"> {byWhom}</span> : null}
          {event.resolution !== undefined ? (
            <>
              : <q class="agent-text-inline">{event.resolution}</q>
            </>
          ) : null}
        </p>
      )}
      <ErrorLine error={action.error} />
    </article>
  );
}

/** The tool call an approval is about (Claude Code's `tool_name` and `tool_input`), as plain text. */
function toolDetails(event: Event): { summary: string; body: string } | undefined {
  const context = event.context;
  if (context === undefined) return undefined;
  const entries = Object.entries(context).filter(([key]) => key !== "strict_options");
  if (entries.length === 0) return undefined;
  const tool = typeof context.tool_name === "string" ? context.tool_name : undefined;
  return { summary: tool !== undefined ? `Tool call: ${tool}` : "Details", body: JSON.stringify(Object.fromEntries(entries), null, 2) };
}
