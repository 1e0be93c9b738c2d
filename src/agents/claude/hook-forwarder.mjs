// A Claude Code `command` hook that forwards its stdin to the daemon's hook URL and prints the answer.
// Used where `http` hooks are not available (Claude Code runs no HTTP hook on SessionStart).
// Usage: node hook-forwarder.mjs <url> [timeout-seconds]; the secret comes from $COMMANDER_HOOK_SECRET.
// Plain JavaScript, no imports beyond Node, so it starts fast and needs no build step.
const [url, timeoutSeconds = "30"] = process.argv.slice(2);

let body = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (body += chunk));
process.stdin.on("end", async () => {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${process.env.COMMANDER_HOOK_SECRET ?? ""}`,
      },
      body,
      signal: AbortSignal.timeout(Number(timeoutSeconds) * 1000),
    });
    const text = await response.text();
    if (!response.ok) {
      process.stderr.write(`commander hook: HTTP ${response.status}\n`);
      process.exit(1);
    }
    process.stdout.write(text, () => process.exit(0)); // keep-alive sockets would hold the exit up
  } catch (error) {
    // Exit 1 is a non-blocking hook error: Claude Code carries on as if there were no hook.
    process.stderr.write(`commander hook: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
});
