import { useEffect, useRef, useState } from "preact/hooks";
import { api, errorText } from "../api-client.js";
import { projects, sessions } from "../live-state.js";
import { pathOf } from "../router.js";

/**
 * The agent's pane, live and read-only (WatchSessionOutput: a snapshot, then output), with the tmux
 * command that takes it over. xterm.js is loaded only when a terminal is opened.
 */
export function TerminalView({ id }: { id: string }) {
  const host = useRef<HTMLDivElement>(null);
  const session = sessions.value.get(id);
  const project = projects.value.get(id);
  const [status, setStatus] = useState("Connecting…");
  const [showAttach, setShowAttach] = useState(false);
  const sessionKey = `${session?.id ?? ""}:${session?.tmuxTarget ?? ""}`;
  useEffect(() => {
    const controller = new AbortController();
    let screen: { write(data: string, snapshot: boolean): void; dispose(): void } | undefined;
    void (async () => {
      const { openTerminalScreen } = await import("../terminal-screen.js");
      if (controller.signal.aborted || host.current === null) return;
      screen = openTerminalScreen(host.current);
      try {
        for await (const output of api.watch.watchSessionOutput({ projectId: id }, { signal: controller.signal })) {
          setStatus("Live");
          screen.write(output.data, output.snapshot);
        }
        setStatus("The agent's terminal closed.");
      } catch (error) {
        if (!controller.signal.aborted) setStatus(errorText(error));
      }
    })();
    return () => {
      controller.abort();
      screen?.dispose();
    };
  }, [id, sessionKey]);
  return (
    <main aria-labelledby="terminal-heading" class="terminal-view">
      <h1 id="terminal-heading">
        Terminal of{" "}
        <a href={pathOf("projects", id)} data-route>
          {project?.name || id}
        </a>
      </h1>
      <p class="small" role="status" aria-live="polite">
        {status}
      </p>
      <div class="terminal-host" ref={host} aria-label="Agent terminal (read-only)" role="img" />
      <div class="attach">
        <button type="button" aria-expanded={showAttach} onClick={() => setShowAttach(!showAttach)}>
          {showAttach ? "Hide attach command" : "Show attach command"}
        </button>
        {showAttach ? (
          session?.attachCommand ? (
            <div>
              <p class="small">Run this in a terminal on the daemon's machine to take over the agent:</p>
              <pre class="attach-command">
                <code>{session.attachCommand}</code>
              </pre>
            </div>
          ) : (
            <p class="small">The project has no agent running.</p>
          )
        ) : null}
      </div>
    </main>
  );
}
