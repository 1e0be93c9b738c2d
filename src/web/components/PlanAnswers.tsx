import { useState } from "preact/hooks";
import type { Event } from "../../../gen/es/commander/v1/event_pb.js";
import { planOptionLabel, planRejection } from "../event-answers.js";

/** A plan's answers: approve (optionally switching the agent's mode), or reject with feedback the model receives. */
export function PlanAnswers({ event, busy, resolve }: { event: Event; busy: boolean; resolve: (resolution: string) => Promise<boolean> }) {
  const [feedback, setFeedback] = useState("");
  const approvals = event.options.filter((option) => option.startsWith("approve"));
  const feedbackId = `plan-feedback-${event.id}`;
  return (
    <div class="plan-answers">
      <div class="options" role="group" aria-label="Approve the plan">
        {approvals.map((option, index) => (
          <button type="button" key={option} class={index === 0 ? "primary" : ""} disabled={busy} onClick={() => resolve(option)}>
            {planOptionLabel(option)}
          </button>
        ))}
      </div>
      <form
        class="free-text"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await resolve(planRejection(feedback))) setFeedback("");
        }}
      >
        <label for={feedbackId}>Feedback for the agent (sent with Reject)</label>
        <textarea id={feedbackId} rows={2} value={feedback} disabled={busy} onInput={(e) => setFeedback(e.currentTarget.value)} />
        <div class="row">
          <button type="submit" class="danger" disabled={busy}>
            Reject
          </button>
        </div>
      </form>
    </div>
  );
}
