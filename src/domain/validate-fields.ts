import { invalidField } from "./commander-error.js";

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function requireText(field: string, value: string): string {
  if (value.trim() === "") throw invalidField(field, "must not be empty");
  return value;
}

export function requireId(field: string, value: string): string {
  requireText(field, value);
  if (!ID_PATTERN.test(value)) {
    throw invalidField(field, "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
  }
  return value;
}

export function limitLength(field: string, value: string, maxBytes: number): string {
  const size = Buffer.byteLength(value, "utf8");
  if (size > maxBytes) throw invalidField(field, `must be at most ${maxBytes} bytes (got ${size})`);
  return value;
}

// Text typed into an agent's terminal must not carry control characters: an ESC or C0 byte could
// drive the terminal or the agent's UI instead of being read as text. Newline and tab are allowed.
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

export function requireTerminalSafeText(field: string, value: string, maxBytes: number): string {
  requireText(field, value);
  limitLength(field, value, maxBytes);
  const match = CONTROL_CHARACTER.exec(value);
  if (match) {
    const codePoint = match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
    throw invalidField(
      field,
      `must not contain control characters or terminal escape sequences (found U+${codePoint} at offset ${match.index})`,
    );
  }
  return value;
}
