import { useState } from "preact/hooks";
import { authToken, setAuthToken } from "../auth-token.js";

/** Asks once for the daemon's API token; it is kept for this tab and sent as a header on every call. */
export function TokenPrompt({ onToken }: { onToken: () => void }) {
  const [value, setValue] = useState("");
  const wrong = authToken.value !== "";
  return (
    <main class="token-prompt">
      <form
        class="card"
        onSubmit={(event) => {
          event.preventDefault();
          if (value.trim() === "") return;
          setAuthToken(value.trim());
          onToken();
        }}
      >
        <h1>Commander</h1>
        <p>This daemon needs its API token (the <code>token</code> setting, or the token file in its state directory).</p>
        {wrong ? (
          <p class="error" role="alert">
            That token was refused.
          </p>
        ) : null}
        <label for="token">API token</label>
        <input id="token" type="password" autocomplete="current-password" required value={value} onInput={(e) => setValue(e.currentTarget.value)} autoFocus />
        <button type="submit" class="primary">
          Open the dashboard
        </button>
      </form>
    </main>
  );
}
