import { COMMANDER_BIN, REPO_ROOT } from "../../support/daemon-process.js";

export const repoRoot = REPO_ROOT;
export const commanderBin = COMMANDER_BIN;

/** The test's environment without any Commander settings of the developer's shell, plus `extra`. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith("COMMANDER_") || key === "NO_COLOR" || key === "FORCE_COLOR" || key === "TMUX") delete env[key];
  Object.assign(env, extra);
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
