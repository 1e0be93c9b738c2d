import { randomBytes } from "node:crypto";
import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { remoteTokenProblem } from "../config/remote-token-rule.js";

/** The file in the state directory that holds a generated token; the CLI reads it from there too. */
export const TOKEN_FILE = "token";

export interface ApiToken {
  /** Empty when no token is required. */
  token: string;
  source: "config" | "file" | "generated" | "none";
  /** The token file, when the token lives in one. */
  file?: string;
  /** The token file was readable by others and has been restricted to its owner. */
  tightened?: boolean;
}

/** Why a configured token cannot be used, or undefined when it can. Empty means "no token". */
export function tokenProblem(token: string): string | undefined {
  if (token === "") return undefined;
  // It travels as `Authorization: Bearer <token>`: visible ASCII only, no spaces (RFC 6750 b64token is stricter).
  if (!/^[\x21-\x7e]+$/.test(token)) return "the token must be visible ASCII characters without spaces";
  return undefined;
}

/**
 * The token the daemon requires. A configured token wins. Otherwise, with `requireToken`, the one in
 * `<stateDir>/token`, created on the first start with 256 random bits and mode 0600. Without either,
 * none (only allowed on loopback; run-daemon refuses other addresses). The value is never logged.
 */
export async function resolveApiToken(options: { token: string; requireToken: boolean; stateDir: string; host?: string }): Promise<ApiToken> {
  if (options.token !== "") return { token: options.token, source: "config" };
  if (!options.requireToken) return { token: "", source: "none" };
  const file = join(options.stateDir, TOKEN_FILE);
  const existing = await readFile(file, "utf8").then(
    (text) => text.trim(),
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return "";
      throw error;
    },
  );
  if (existing !== "") {
    const problem = tokenProblem(existing);
    if (problem !== undefined) throw new Error(`${file}: ${problem}`);
    // The configured token was checked with the configuration; one written into the file by hand is checked here.
    const tooShort = remoteTokenProblem(options.host ?? "127.0.0.1", existing, file, "host");
    if (tooShort !== undefined) throw new Error(tooShort);
    const mode = (await stat(file)).mode & 0o777;
    if ((mode & 0o077) !== 0) await chmod(file, 0o600);
    return { token: existing, source: "file", file, tightened: (mode & 0o077) !== 0 };
  }
  const token = randomBytes(32).toString("base64url");
  // The state directory is locked by now, so no other daemon writes this file at the same time.
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  await chmod(file, 0o600); // writeFile keeps the mode of an (empty) file that already existed
  return { token, source: "generated", file };
}
