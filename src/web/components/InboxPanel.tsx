import { useEffect, useState } from "preact/hooks";
import { api } from "../api-client.js";
import { ago, millis } from "../labels.js";
import { messages, remember } from "../live-state.js";
import { useAction } from "../use-action.js";
import { ErrorLine } from "./ErrorLine.js";

/** The project's conversation: messages sent to its agent (delivered at its next turn) and its replies. */
export function InboxPanel({ projectId }: { projectId: string }) {
  const [content, setContent] = useState("");
  const action = useAction();
  const load = useAction();
  useEffect(() => {
    void load.run(async () => remember({ messages: (await api.inbox.getThread({ projectId })).messages }));
  }, [projectId]);
  const thread = [...messages.value.values()].filter((m) => m.projectId === projectId).sort((a, b) => millis(a.createdAt) - millis(b.createdAt));
  return (
    <section aria-labelledby="inbox-heading">
      <h2 id="inbox-heading">Inbox</h2>
      {thread.length === 0 ? <p class="empty">No messages.</p> : null}
      <ol class="thread">
        {thread.map((message) => (
          <li key={message.id} class={`message role-${message.role}`}>
            <span class="small">
              {message.role || "user"} · {ago(message.createdAt)} · {message.deliveredAt !== undefined ? "delivered" : "pending"}
            </span>
            <pre class="agent-text">{message.content}</pre>
          </li>
        ))}
      </ol>
      <form
        class="form"
        aria-label="Send a message"
        onSubmit={async (event) => {
          event.preventDefault();
          const ok = await action.run(async () => remember({ messages: [(await api.inbox.sendMessage({ projectId, content })).message!] }));
          if (ok) setContent("");
        }}
      >
        <label for="message-content">Message to the agent</label>
        <div class="row">
          <input id="message-content" value={content} onInput={(e) => setContent(e.currentTarget.value)} required />
          <button type="submit" disabled={action.busy || content.trim() === ""}>
            Send
          </button>
        </div>
        <ErrorLine error={action.error ?? load.error} />
      </form>
    </section>
  );
}
