import { open } from "node:fs/promises";
import writeFileAtomic from "write-file-atomic";

/** Replaces `path` atomically: temporary file, fsync, rename, then fsync of the directory. */
export async function writeFileDurably(path: string, data: string): Promise<void> {
  await writeFileAtomic(path, data, { mode: 0o600, fsync: true });
  await fsyncDirectory(dirOf(path));
}

// A rename is only durable once the directory entry itself is on disk.
export async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function dirOf(path: string): string {
  const index = path.lastIndexOf("/");
  return index <= 0 ? "/" : path.slice(0, index);
}
