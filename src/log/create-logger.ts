import pino, { type Logger } from "pino";
import pretty from "pino-pretty";

export type LogFormat = "json" | "pretty";

/** `auto` means readable lines for a person at a terminal and JSON lines for everything else (files, pipes, journald). */
export function pickLogFormat(setting: "auto" | LogFormat, stdoutIsTty: boolean): LogFormat {
  if (setting !== "auto") return setting;
  return stdoutIsTty ? "pretty" : "json";
}

/** Where the daemon's log lines go: stdout, as JSON lines or through pino-pretty in-process (no worker thread). */
export function logDestination(format: LogFormat): pino.DestinationStream {
  if (format === "pretty") {
    return pretty({ destination: 1, sync: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" });
  }
  return pino.destination({ dest: 1, sync: true });
}

/**
 * The daemon's one root logger: JSON lines on stdout; secrets never reach it. Each field appears once
 * per line: a child's `component` extends its parent's into a dotted path (`agents.tmux.tmux-driver`),
 * and when a child or a call sets a field its parent already bound, the innermost value wins (pino
 * itself would write the key twice).
 */
export function createLogger(level: string, destination: pino.DestinationStream = logDestination("json")): Logger {
  const root = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          "token", "secret", "hookSecret", "authorization", "*.token", "*.secret", "*.hookSecret", "*.authorization",
          "headers.authorization", "*.headers.authorization",
          // A failed tmux command keeps its arguments, and `new-window -e COMMANDER_HOOK_SECRET=...` holds a secret.
          "err.args", "*.err.args",
        ],
        censor: "[redacted]",
      },
      hooks: { streamWrite: withoutDuplicateKeys },
    },
    destination,
  );
  // Children are created with Object.create(parent), so every descendant inherits this method.
  const plainChild = root.child as unknown as (this: Logger, bindings: pino.Bindings, options?: pino.ChildLoggerOptions) => Logger;
  const child = function (this: Logger, bindings: pino.Bindings, options?: pino.ChildLoggerOptions): Logger {
    const parent = (this.bindings() as { component?: unknown }).component;
    const own = bindings.component;
    const joined = typeof parent === "string" && typeof own === "string" ? { ...bindings, component: `${parent}.${own}` } : bindings;
    return plainChild.call(this, joined, options);
  };
  (root as { child: unknown }).child = child;
  return root;
}

/** Rewrites a JSON line so that each key appears once, keeping its last (innermost) value. */
export function withoutDuplicateKeys(line: string): string {
  try {
    return `${JSON.stringify(JSON.parse(line))}\n`;
  } catch {
    return line;
  }
}
