import { realpath, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join, sep } from "node:path";
import { CommanderError, invalidField } from "../domain/commander-error.js";

export interface ProjectPaths {
  /** Resolves a project path to an absolute, symlink-free existing directory inside the allowed roots. */
  resolve(path: string): Promise<string>;
}

/** `allowedRoots` empty means anywhere; otherwise the resolved path must lie inside one of them. */
export function createProjectPaths(allowedRoots: readonly string[]): ProjectPaths {
  let resolvedRoots: Promise<string[]> | null = null;
  return {
    async resolve(path) {
      if (path.trim() === "") throw invalidField("path", "must not be empty");
      if (path.includes("\0")) throw invalidPath(path, "contains a NUL character");
      const expanded = path === "~" ? homedir() : path.startsWith("~/") ? join(homedir(), path.slice(2)) : path;
      if (!isAbsolute(expanded)) throw invalidPath(path, "must be an absolute path (or start with ~/)");
      let resolved: string;
      try {
        resolved = await realpath(expanded);
      } catch {
        throw invalidPath(path, "does not exist");
      }
      const info = await stat(resolved).catch(() => null);
      if (!info?.isDirectory()) throw invalidPath(path, "is not a directory");
      if (allowedRoots.length > 0) {
        resolvedRoots ??= Promise.all(allowedRoots.map((root) => realpath(root).catch(() => root)));
        const roots = await resolvedRoots;
        // Compared after resolving symlinks, so a link inside a root pointing outside it is refused.
        const inside = roots.some((root) => resolved === root || resolved.startsWith(root.endsWith(sep) ? root : root + sep));
        if (!inside) throw invalidPath(path, `resolves to ${resolved}, outside the allowed project roots (${roots.join(", ")})`);
      }
      return resolved;
    },
  };
}

function invalidPath(path: string, problem: string): CommanderError {
  return new CommanderError("INVALID_PATH", `path: ${JSON.stringify(path)} ${problem}`, { field: "path", path });
}
