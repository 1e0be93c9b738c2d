import pino, { type Logger } from "pino";

/** The daemon's one root logger: JSON lines on stdout; secrets never reach it. */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination({ dest: 1, sync: true })): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          "token", "secret", "hookSecret", "authorization", "*.token", "*.secret", "*.hookSecret", "*.authorization",
          "headers.authorization", "*.headers.authorization",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
