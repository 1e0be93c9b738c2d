import { randomBytes } from "node:crypto";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const ANSWER_LINK_KEY_FILE = "answer-link.key";

/**
 * The key that signs answer links: created once in the state directory, readable by its owner only,
 * never sent anywhere (receivers get links, not the key).
 */
export async function loadAnswerLinkKey(stateDir: string): Promise<Buffer> {
  const path = join(stateDir, ANSWER_LINK_KEY_FILE);
  try {
    const text = (await readFile(path, "utf8")).trim();
    if (/^[0-9a-f]{64}$/.test(text)) {
      await chmod(path, 0o600).catch(() => undefined);
      return Buffer.from(text, "hex");
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key = randomBytes(32);
  // A damaged key file is replaced: links signed with the old key stop working, which is the safe way round.
  await writeFile(path, `${key.toString("hex")}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return key;
}
