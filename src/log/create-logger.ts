import { createRequire } from "node:module";
import pino, { type Logger } from "pino";
import type pinoPretty from "pino-pretty";
import { batchedDestination } from "./batched-destination.js";
import { redactSecrets } from "./redact-secrets.js";

export type LogFormat = "json" | "pretty";

/** `auto` means readable lines for a person at a terminal and JSON lines for everything else (files, pipes, journald). */
export function pickLogFormat(setting: "auto" | LogFormat, stdoutIsTty: boolean): LogFormat {
  if (setting !== "auto") return setting;
  return stdoutIsTty ? "pretty" : "json";
}

/** Where the daemon's log lines go: stdout, as JSON lines or through pino-pretty in-process (no worker thread). */
export function logDestination(format: LogFormat): pino.DestinationStream {
  if (format === "pretty") {
    // Loaded only here: with its dependencies it is a tenth of the daemon's start, and JSON lines need none of it.
    const pretty = createRequire(import.meta.url)("pino-pretty") as typeof pinoPretty;
    return pretty({ destination: 1, sync: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" });
  }
  return batchedDestination(pino.destination({ dest: 1, sync: true }));
}

let lastMillisecond = -1;
let lastTimeField = "";

/** pino's `isoTime`, formatted once per millisecond: under load many lines share one. */
function isoTimeOncePerMillisecond(): string {
  const now = Date.now();
  if (now !== lastMillisecond) {
    lastMillisecond = now;
    lastTimeField = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTimeField;
}

/**
 * The daemon's one root logger: JSON lines on stdout; secrets never reach it. Each field appears once
 * per line (pino itself would repeat a key bound twice): a child's `component` extends its parent's into a
 * dotted path (`agents.tmux.tmux-driver`), and a field set again, by a child or in a call, takes the
 * innermost value.
 */
export function createLogger(level: string, destination: pino.DestinationStream = logDestination("json")): Logger {
  const boundKeys = new WeakMap<Logger, ReadonlySet<string>>();
  const keysOf = (logger: Logger): ReadonlySet<string> => {
    let keys = boundKeys.get(logger);
    if (keys === undefined) {
      keys = new Set(Object.keys(logger.bindings()));
      boundKeys.set(logger, keys);
    }
    return keys;
  };
  const root: Logger = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: isoTimeOncePerMillisecond,
      formatters: { log: redactSecrets, bindings: redactSecrets },
      hooks: {
        // A call that sets a bound field logs through a child holding the call's value instead.
        logMethod(args, method) {
          const fields: unknown = args[0];
          if (typeof fields !== "object" || fields === null || fields instanceof Error) return method.apply(this, args);
          const bound = keysOf(this);
          let again: string[] | undefined;
          for (const key in fields) if (bound.has(key)) (again ??= []).push(key);
          if (again === undefined) return method.apply(this, args);
          const rest: Record<string, unknown> = { ...(fields as Record<string, unknown>) };
          const overriding: Record<string, unknown> = {};
          for (const key of again) {
            overriding[key] = rest[key];
            delete rest[key];
          }
          return method.apply(this.child(overriding), [rest, ...args.slice(1)] as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
  const rootKeys = keysOf(root);
  // Children are created with Object.create(parent), so every descendant inherits this method.
  const plainChild = root.child as unknown as (this: Logger, bindings: pino.Bindings, options?: pino.ChildLoggerOptions) => Logger;
  const child = function (this: Logger, bindings: pino.Bindings, options?: pino.ChildLoggerOptions): Logger {
    const inherited = this.bindings();
    const own = { ...bindings };
    if (typeof inherited.component === "string" && typeof own.component === "string") own.component = `${inherited.component}.${own.component}`;
    if (!Object.keys(own).some((key) => key in inherited)) return plainChild.call(this, own, options);
    // pino appends a child's bindings to its parent's: with a key bound again, start from the root.
    const merged: pino.Bindings = {};
    for (const [key, value] of Object.entries({ ...inherited, ...own })) if (!rootKeys.has(key)) merged[key] = value;
    const fresh = plainChild.call(root, merged, options);
    if (options?.level === undefined) fresh.level = this.level;
    return fresh;
  };
  (root as { child: unknown }).child = child;
  return root;
}
