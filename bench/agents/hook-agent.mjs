// A stand-in for Claude Code under the `claude-code` runtime, for measuring the hook path. The daemon
// launches it as it launches Claude Code (`--session-id <uuid> --settings <file> --permission-mode <mode>`,
// the hook secret in $COMMANDER_HOOK_SECRET) and it calls the hook URL from that settings file the way
// Claude Code's `http` hooks do. It prints Claude Code's "❯ " input prompt, which is how the daemon sees
// that it is ready, and reads one prompt per line:
//   permission <id> -> a PermissionRequest hook for a Bash tool use whose tool_input carries `sent_at_ns`,
//                      the process.hrtime.bigint() (CLOCK_MONOTONIC, comparable across processes on
//                      Linux) taken just before the request is sent; it waits for the decision
//   anything else   -> nothing
// and ends each turn with a Stop hook, as Claude Code does. `/exit` or Ctrl-C exits.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

const args = process.argv.slice(2);
const option = (name) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
};
const sessionId = option("--session-id") ?? option("--resume") ?? "";
const settings = JSON.parse(readFileSync(option("--settings"), "utf8"));
const hookUrl = settings.hooks.PermissionRequest[0].hooks[0].url;
const authorization = `Bearer ${process.env.COMMANDER_HOOK_SECRET ?? ""}`;

async function hook(payload) {
  const body = JSON.stringify({ session_id: sessionId, cwd: process.cwd(), permission_mode: option("--permission-mode"), ...payload });
  const response = await fetch(hookUrl, { method: "POST", headers: { "content-type": "application/json", authorization }, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`hook ${payload.hook_event_name}: HTTP ${response.status} ${text}`);
  return text === "" ? {} : JSON.parse(text);
}

const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
rl.setPrompt("❯ ");
rl.on("SIGINT", () => process.exit(0));
rl.on("line", async (line) => {
  if (line.trim() === "/exit") process.exit(0);
  rl.pause();
  let reply = "nothing to do";
  try {
    const probe = /^permission (\S+)/.exec(line.trim());
    if (probe) {
      process.stdout.write(`● Bash(npm test -- probe ${probe[1]})\n`);
      const sentAt = process.hrtime.bigint().toString();
      const answer = await hook({
        hook_event_name: "PermissionRequest",
        tool_name: "Bash",
        tool_input: { command: `npm test -- probe ${probe[1]}`, description: "benchmark probe", sent_at_ns: sentAt },
        permission_suggestions: [],
      });
      reply = `decision: ${answer?.hookSpecificOutput?.decision?.behavior ?? "none"}`;
    }
    process.stdout.write(`● ${reply}\n`);
    await hook({ hook_event_name: "Stop", stop_hook_active: false, last_assistant_message: reply });
  } catch (error) {
    process.stdout.write(`hook failed: ${error.message}\n`);
  }
  rl.resume();
  rl.prompt();
});
rl.prompt();
