import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The run's temporary directory: state directories, project folders, baseline journals. */
export interface Workspace {
  root: string;
  /** An empty config file: the daemons never read the user's own configuration. */
  emptyConfig: string;
  dir(name: string): Promise<string>;
  remove(): Promise<void>;
}

export async function createWorkspace(): Promise<Workspace> {
  // Short: the daemon's tmux socket lives in its state directory and a socket path must stay short.
  const root = await mkdtemp(join(tmpdir(), "cmdb-"));
  const emptyConfig = join(root, "empty-config.json");
  await writeFile(emptyConfig, "{}\n");
  return {
    root,
    emptyConfig,
    async dir(name) {
      const path = join(root, name);
      await mkdir(path, { recursive: true, mode: 0o700 });
      return path;
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
