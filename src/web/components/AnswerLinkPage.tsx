import { useEffect, useState } from "preact/hooks";
import type { DescribeAnswerLinkResponse, UseAnswerLinkResponse } from "../../../gen/es/commander/v1/notification_service_pb.js";
import { api } from "../api-client.js";
import { isoTime } from "../labels.js";
import { pathOf } from "../router.js";
import { useAction } from "../use-action.js";
import { ErrorLine } from "./ErrorLine.js";

/**
 * Where a notification's answer link opens in a browser (`/answer/{token}`): what the link will do (the
 * event and the option), and a button that does it. Opening the page never answers (chat apps and link
 * previews open links on their own); only the button does, once. No API token is needed: the signed link
 * is the capability (docs/notifications.md).
 */
export function AnswerLinkPage({ token }: { token: string }) {
  const [link, setLink] = useState<DescribeAnswerLinkResponse | undefined>(undefined);
  const [answered, setAnswered] = useState<UseAnswerLinkResponse | undefined>(undefined);
  const load = useAction();
  const answer = useAction();
  useEffect(() => {
    void load.run(async () => setLink(await api.notifications.describeAnswerLink({ token })));
  }, [token]);
  return (
    <div class="content">
      <main aria-labelledby="answer-heading" class="card answer-link">
        <h1 id="answer-heading">Answer from a notification</h1>
        {link === undefined ? (
          load.error !== undefined ? <ErrorLine error={load.error} /> : <p class="empty">Loading…</p>
        ) : answered !== undefined ? (
          <div role="status">
            <p>
              Answered <q class="agent-text-inline">{answered.resolution}</q>.{" "}
              {answered.sessionResumed ? "The agent has the answer and carries on." : "The answer is recorded."}
            </p>
            <p>
              <a href={pathOf("events", answered.eventId)}>Open the event in the dashboard</a>
            </p>
          </div>
        ) : (
          <>
            {link.title !== "" ? (
              <>
                <p class="small">The agent asks:</p>
                <h2 class="event-title agent-text-inline">{link.title}</h2>
              </>
            ) : null}
            {link.valid ? (
              <>
                <p>
                  This link answers with <q class="agent-text-inline chosen-option">{link.option}</q>, once. It expires at {isoTime(link.expiresAt)}.
                </p>
                <button
                  type="button"
                  class="primary"
                  disabled={answer.busy}
                  onClick={() => answer.run(async () => setAnswered(await api.notifications.useAnswerLink({ token })))}
                >
                  Answer “{link.option}”
                </button>
              </>
            ) : (
              <p class="error" role="alert">
                This link cannot answer: {link.problem}.
              </p>
            )}
            {link.eventId !== "" ? (
              <p class="small">
                <a href={pathOf("events", link.eventId)}>Open the event in the dashboard</a> to answer otherwise.
              </p>
            ) : null}
          </>
        )}
        <ErrorLine error={answer.error} />
      </main>
    </div>
  );
}
