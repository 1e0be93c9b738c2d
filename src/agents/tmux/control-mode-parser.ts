/**
 * Parses the byte stream of a tmux control-mode client (`tmux -C`), as described in tmux(1) "CONTROL MODE":
 * replies to commands come between `%begin` and `%end`/`%error` guards; everything else is a `%`
 * notification. `%output %<pane> <value>` escapes bytes below 0x20 and `\` as backslash + 3 octal digits.
 */
export interface ControlModeHandlers {
  output(paneId: string, data: Buffer): void;
  /** `name` without the `%` (`window-close`, `exit`, ...); `args` is the rest of the line. */
  notification(name: string, args: string): void;
  /** A reply block. `fromThisClient` is the guard's flags bit: false for the attach command's own reply. */
  reply(reply: { commandNumber: number; fromThisClient: boolean; ok: boolean; lines: string[] }): void;
}

export interface ControlModeParser {
  push(chunk: Buffer): void;
}

const OUTPUT_PREFIX = Buffer.from("%output ");
const BACKSLASH = 0x5c;

export function decodeControlValue(value: Buffer): Buffer {
  if (!value.includes(BACKSLASH)) return value;
  const out = Buffer.allocUnsafe(value.length);
  let length = 0;
  for (let i = 0; i < value.length; i++) {
    const byte = value[i]!;
    if (byte === BACKSLASH && i + 3 < value.length && isOctal(value[i + 1]) && isOctal(value[i + 2]) && isOctal(value[i + 3])) {
      out[length++] = ((value[i + 1]! - 0x30) << 6) | ((value[i + 2]! - 0x30) << 3) | (value[i + 3]! - 0x30);
      i += 3;
    } else {
      out[length++] = byte;
    }
  }
  return out.subarray(0, length);
}

function isOctal(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x37;
}

export function createControlModeParser(handlers: ControlModeHandlers): ControlModeParser {
  let pending: Buffer = Buffer.alloc(0);
  let block: { commandNumber: number; fromThisClient: boolean; lines: string[] } | undefined;

  function line(raw: Buffer): void {
    if (block) {
      const text = raw.toString("utf8");
      const guard = /^%(end|error) \d+ (\d+) \d+$/.exec(text);
      if (guard && Number(guard[2]) === block.commandNumber) {
        handlers.reply({ ...block, ok: guard[1] === "end" });
        block = undefined;
      } else {
        block.lines.push(text);
      }
      return;
    }
    if (raw.subarray(0, OUTPUT_PREFIX.length).equals(OUTPUT_PREFIX)) {
      const space = raw.indexOf(0x20, OUTPUT_PREFIX.length);
      if (space < 0) return;
      handlers.output(raw.subarray(OUTPUT_PREFIX.length, space).toString("latin1"), decodeControlValue(raw.subarray(space + 1)));
      return;
    }
    const text = raw.toString("utf8");
    const begin = /^%begin \d+ (\d+) (\d+)$/.exec(text);
    if (begin) {
      block = { commandNumber: Number(begin[1]), fromThisClient: (Number(begin[2]) & 1) === 1, lines: [] };
      return;
    }
    const notification = /^%([a-z-]+)(?: (.*))?$/.exec(text);
    if (notification) handlers.notification(notification[1]!, notification[2] ?? "");
  }

  return {
    push(chunk) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let start = 0;
      for (let newline = pending.indexOf(0x0a, start); newline >= 0; newline = pending.indexOf(0x0a, start)) {
        const end = newline > start && pending[newline - 1] === 0x0d ? newline - 1 : newline;
        line(pending.subarray(start, end));
        start = newline + 1;
      }
      pending = Buffer.from(pending.subarray(start));
    },
  };
}
