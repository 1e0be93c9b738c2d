import { access, readdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

/** Whether Claude Code kept a conversation with this id (`~/.claude/projects/<encoded cwd>/<id>.jsonl`), so `--resume` can continue it. */
export async function claudeConversationExists(agentSessionId: string, home = homedir()): Promise<boolean> {
  const projects = join(home, ".claude", "projects");
  const folders = await readdir(projects).catch(() => [] as string[]);
  for (const folder of folders) {
    if (await access(join(projects, folder, `${agentSessionId}.jsonl`)).then(() => true, () => false)) return true;
  }
  return false;
}
