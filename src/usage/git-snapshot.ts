import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChangedFileRecord } from "../domain/records.js";

// The project's files as a git tree, taken without touching the user's index, branches or stash: the
// working tree is added to a throw-away index (GIT_INDEX_FILE), seeded from HEAD, and written with
// `git write-tree`. The tree's objects go to the repository's object store like any `git add` would, and
// are unreachable (collected by git's gc) once nothing refers to them.

export const NOT_A_GIT_REPOSITORY = "the project is not a git repository";
const GIT_TIMEOUT_MS = 30_000;
const MAX_OUTPUT = 64 * 1024 * 1024;

function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      { cwd, env: { ...process.env, ...env, GIT_OPTIONAL_LOCKS: "0", GIT_TERMINAL_PROMPT: "0" }, timeout: GIT_TIMEOUT_MS, maxBuffer: MAX_OUTPUT },
      (error, stdout, stderr) => (error ? reject(new Error(`git ${args[0]}: ${stderr.trim() || error.message}`)) : resolve(stdout)),
    );
  });
}

export type TreeSnapshot = { tree: string; root: string } | { problem: string };

/** The tree of the repository's working files now, or why there is none. */
export async function snapshotTree(dir: string): Promise<TreeSnapshot> {
  let root: string;
  try {
    root = (await git(dir, ["rev-parse", "--show-toplevel"])).trim();
  } catch {
    return { problem: NOT_A_GIT_REPOSITORY };
  }
  const scratch = await mkdtemp(join(tmpdir(), "commander-index-"));
  const env = { GIT_INDEX_FILE: join(scratch, "index") };
  try {
    // Seeding from HEAD keeps `add` fast (unchanged files are not hashed again); a fresh repository has none.
    await git(root, ["read-tree", "HEAD"], env).catch(() => undefined);
    await git(root, ["add", "-A", "--", "."], env);
    return { tree: (await git(root, ["write-tree"], env)).trim(), root };
  } catch (error) {
    return { problem: `could not read the repository: ${(error as Error).message}` };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Files that differ between two trees, with added and removed line counts (`--numstat`). */
export async function changedFiles(root: string, before: string, after: string): Promise<ChangedFileRecord[]> {
  const out = await git(root, ["diff-tree", "-r", "--numstat", "-z", "--no-renames", before, after]);
  const files: ChangedFileRecord[] = [];
  // With -z each record is "added\tremoved\tpath\0".
  for (const record of out.split("\0")) {
    const match = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(record);
    if (!match) continue;
    const binary = match[1] === "-";
    files.push({ path: match[3], added: binary ? 0 : Number(match[1]), removed: binary ? 0 : Number(match[2]), binary });
  }
  return files;
}

/** The unified diff of one file between two trees. */
export function fileDiff(root: string, before: string, after: string, path: string): Promise<string> {
  return git(root, ["diff-tree", "-p", "--no-renames", "--no-color", before, after, "--", path]);
}

export function repositoryRoot(dir: string): Promise<string | null> {
  return git(dir, ["rev-parse", "--show-toplevel"]).then((out) => out.trim(), () => null);
}
