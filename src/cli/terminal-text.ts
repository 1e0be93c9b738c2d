// Text that agents wrote (event titles, tool inputs, results, reasons, names) reaches the operator's
// terminal. A terminal obeys what it is sent: ESC and C1 sequences can write the clipboard (OSC 52), clear
// the screen, move the cursor or conceal text (`\e[8m`) so that an approval reads differently from what
// it allows; bidi overrides and zero-width characters reorder or hide text without any escape. So every
// piece of text the CLI prints goes through `terminalText`, which shows such characters as visible
// escapes (`\x1b`, `\u202e`) instead of sending them.

// C0 controls except tab and newline, DEL, C1 controls; format characters (bidi embeddings, overrides
// and isolates, zero-width spaces and joiners, soft hyphen, BOM, tags); line and paragraph separators;
// lone surrogates.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

// Characters JSON.stringify leaves raw (it escapes only U+0000-U+001F and lone surrogates).
const UNSAFE_IN_JSON = /[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/gu;

// The CLI's own styles (create-palette.ts): bold, dim, normal intensity, six colours, default colour.
const OWN_STYLE = /^\u001b\[(?:1|2|22|3[1-6]|39)m/;

export interface TerminalTextOptions {
  /**
   * Let the CLI's own colour sequences through. Only for text whose agent-written parts were already
   * made safe: it is how the final output keeps its colours while every other control is shown.
   */
  keepOwnStyles?: boolean;
}

/**
 * The text with every character that could drive a terminal shown as a visible escape: `\x1b` for C0,
 * DEL and C1 controls, `\u202e` for format characters and separators. Newlines and tabs stay (tables put
 * their cells on one line themselves); a CRLF becomes a newline.
 */
export function terminalText(text: string, options: TerminalTextOptions = {}): string {
  const normalised = text.replace(/\r\n/g, "\n");
  return normalised.replace(UNSAFE, (char, offset: number) => {
    if (options.keepOwnStyles && char === "\u001b") {
      if (OWN_STYLE.test(normalised.slice(offset, offset + 5))) return char;
    }
    return visibleEscape(char);
  });
}

/** A copy of a record (a protobuf message, a list, JSON) with every string, keys included, made safe. */
export function terminalSafe<T>(value: T): T {
  if (typeof value === "string") return terminalText(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => terminalSafe(item)) as T;
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  const copy = Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>;
  for (const [key, item] of Object.entries(value)) copy[terminalText(key)] = terminalSafe(item);
  return copy as T;
}

/**
 * JSON for a terminal: JSON.stringify, with the characters it leaves raw (DEL, C1, format characters,
 * separators) written as `\uXXXX` escapes. It parses back to the same value.
 */
export function terminalJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(UNSAFE_IN_JSON, (char) =>
    Array.from({ length: char.length }, (_, i) => `\\u${hex(char.charCodeAt(i), 4)}`).join(""),
  );
}

function visibleEscape(char: string): string {
  const code = char.codePointAt(0)!;
  if (code <= 0xff) return `\\x${hex(code, 2)}`;
  if (code <= 0xffff) return `\\u${hex(code, 4)}`;
  return `\\u{${code.toString(16)}}`;
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, "0");
}
