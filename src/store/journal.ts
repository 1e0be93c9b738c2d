import { crc32 } from "node:zlib";
import { open, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { fsyncDirectory } from "./durable-file.js";

// The journal is an append-only log of committed transactions. Each line is `<crc32 hex> <json>`. Only an
// unterminated last line is a write that never completed; any other line whose checksum does not match is
// damage (see journal-lines.ts).

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
  /** Set when a failed append could not be cut back: appending after a partial line would damage it. */
  private broken: Error | null = null;

  private constructor(
    private readonly handle: FileHandle,
    private bytes: number,
    /** The file ends in a partial line (one that could not be cut off): the next entry starts a new line. */
    private startNewLine: boolean,
  ) {}

  static async open(path: string): Promise<JournalWriter> {
    const handle = await open(path, "a+", 0o600);
    try {
      // The journal may have just been created: its directory entry must be durable before any append is.
      await fsyncDirectory(dirname(path));
      const size = (await handle.stat()).size;
      const last = Buffer.alloc(1);
      if (size > 0) await handle.read(last, 0, 1, size - 1);
      return new JournalWriter(handle, size, size > 0 && last[0] !== 0x0a);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  get size(): number {
    return this.bytes;
  }

  /** Appends the lines and fsyncs; on failure cuts the file back so no partial line remains. */
  async appendDurably(lines: string[]): Promise<void> {
    if (this.broken) throw this.broken;
    const data = Buffer.from((this.startNewLine ? "\n" : "") + lines.join(""), "utf8");
    try {
      // write() may accept only part of the data on a nearly full disk without an error; the rest is
      // written by the next call, which then reports ENOSPC.
      for (let offset = 0; offset < data.length; ) {
        const { bytesWritten } = await this.handle.write(data, offset, data.length - offset, null);
        if (bytesWritten <= 0) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
        offset += bytesWritten;
      }
      await this.handle.datasync();
      this.bytes += data.length;
      this.startNewLine = false;
    } catch (error) {
      try {
        await this.handle.truncate(this.bytes);
        await this.handle.datasync();
      } catch (cutError) {
        this.broken = new Error(`the journal could not be cut back after a failed write (${(cutError as Error).message}); restart the daemon`);
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
