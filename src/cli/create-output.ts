import type { CliIo } from "./cli-io.js";
import { createPalette, shouldUseColor, type Palette } from "./create-palette.js";
import { terminalJson, terminalText } from "./terminal-text.js";

/**
 * Where and how the CLI prints: the one module that writes to stdout and stderr. Whatever it prints goes
 * through `terminalText`, so no control character reaches the terminal except the CLI's own colours;
 * views also make records safe before styling them (`terminalSafe`), so agent text cannot pass as colour.
 */
export interface Output {
  /** Writes a line (a newline is added) to stdout. */
  line(text?: string): void;
  /** Writes text as is to stdout. */
  write(text: string): void;
  /** Writes a line to stderr. */
  errorLine(text: string): void;
  /** Writes a value as pretty JSON to stdout. */
  json(value: unknown): void;
  /** Writes a value as one line of JSON to stdout (NDJSON). */
  jsonLine(value: unknown): void;
  /** Styles for stdout. */
  color: Palette;
  /** Styles for stderr. */
  errorColor: Palette;
  /** Width to fit tables to, or undefined when stdout is not a terminal and COLUMNS is unset. */
  width: number | undefined;
  /** Whether a person is at the keyboard: stdin and stdout are both terminals. */
  interactive: boolean;
}

export interface OutputOptions {
  /** False for `--no-color`. */
  color?: boolean;
}

export function createOutput(io: CliIo, options: OutputOptions = {}): Output {
  const color = createPalette(shouldUseColor(io.stdout, io.env, options.color));
  const errorColor = createPalette(shouldUseColor(io.stderr, io.env, options.color));
  const out = (text: string) => terminalText(text, { keepOwnStyles: color.enabled });
  const err = (text: string) => terminalText(text, { keepOwnStyles: errorColor.enabled });
  return {
    line: (text = "") => void io.stdout.write(`${out(text)}\n`),
    write: (text) => void io.stdout.write(out(text)),
    errorLine: (text) => void io.stderr.write(`${err(text)}\n`),
    json: (value) => void io.stdout.write(`${terminalJson(value, 2)}\n`),
    jsonLine: (value) => void io.stdout.write(`${terminalJson(value)}\n`),
    color,
    errorColor,
    width: terminalWidth(io),
    // stdout first: piped output needs no look at stdin (which Node opens when it is first read).
    interactive: io.stdout.isTTY === true && io.stdin.isTTY === true,
  };
}

function terminalWidth(io: CliIo): number | undefined {
  if (io.stdout.isTTY && io.stdout.columns) return io.stdout.columns;
  const fromEnv = Number.parseInt(io.env.COLUMNS ?? "", 10);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : undefined;
}
