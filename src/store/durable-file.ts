import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

/** Marks the temporary files of atomic writes; one left behind by a crash is removed at the next start. */
export const TEMPORARY_FILE_PATTERN = /\.tmp-\d+-\d+$/;

let temporaryCount = 0;

/** How much of a file written in pieces may wait in the page cache before it is flushed (about 4 MiB). */
const FLUSH_EVERY_CHARS = 4 * 1024 * 1024;

/**
 * Replaces `path` atomically: temporary file, complete write, fsync, rename, then fsync of the directory.
 * On failure the temporary file is removed and `path` keeps its old content, so a full or read-only disk
 * never leaves a partial file behind. `data` may come in pieces (see snapshot-text.ts): each is written
 * before the next is asked for, so other work runs in between.
 */
export async function writeFileDurably(path: string, data: string | Iterable<string>): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}-${++temporaryCount}`;
  let handle: FileHandle | undefined;
  try {
    handle = await open(temporary, "wx", 0o600);
    // FileHandle#writeFile repeats short writes until all is written or an error (ENOSPC) is raised; a
    // single write() call can stop short on a nearly full disk without any error.
    // Successive writeFile calls on one handle append, each from where the previous one ended.
    let unsynced = 0;
    for (const piece of typeof data === "string" ? [data] : data) {
      await handle.writeFile(piece, "utf8");
      // Flushed as it goes: one fsync of tens of MiB at the end held the journal's fdatasyncs (each
      // acknowledged write) behind it for tens of milliseconds on ext4; a few MiB at a time, for a few.
      unsynced += piece.length;
      if (unsynced >= FLUSH_EVERY_CHARS) {
        await handle.datasync();
        unsynced = 0;
      }
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(dirname(path));
}

// A rename (or a new file) is only durable once the directory entry itself is on disk.
export async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
