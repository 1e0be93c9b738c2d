import { crc32 } from "node:zlib";
import { open, type FileHandle } from "node:fs/promises";

// The journal is an append-only log of committed transactions. Each line is `<crc32 hex> <json>`; a
// line whose checksum does not match, or an unterminated last line, is a write that never completed.

export function encodeJournalLine(json: string): string {
  return `${crc32(json).toString(16).padStart(8, "0")} ${json}\n`;
}

/** Returns the JSON of a well-formed line, or null when the line is damaged. */
export function decodeJournalLine(line: string): string | null {
  if (line.length < 10 || line[8] !== " ") return null;
  const json = line.slice(9);
  return crc32(json).toString(16).padStart(8, "0") === line.slice(0, 8) ? json : null;
}

export class JournalWriter {
  private constructor(
    private readonly handle: FileHandle,
    private bytes: number,
  ) {}

  static async open(path: string): Promise<JournalWriter> {
    const handle = await open(path, "a", 0o600);
    return new JournalWriter(handle, (await handle.stat()).size);
  }

  get size(): number {
    return this.bytes;
  }

  /** Appends the lines and fsyncs; on failure cuts the file back so no partial line remains. */
  async appendDurably(lines: string[]): Promise<void> {
    const data = Buffer.from(lines.join(""), "utf8");
    try {
      await this.handle.write(data, 0, data.length, null);
      await this.handle.datasync();
      this.bytes += data.length;
    } catch (error) {
      await this.handle.truncate(this.bytes).catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
