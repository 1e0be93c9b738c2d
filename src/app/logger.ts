// The logging that app and session code depend on: pino's shape, narrowed to what they call, so they
// can be run (and tested) with any logger. Object first, constant message (see conventions).

export interface LogFn {
  (details: object, message?: string): void;
  (message: string): void;
}

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}
