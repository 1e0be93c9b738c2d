import { isIP } from "node:net";

/**
 * The shortest token accepted when the daemon listens beyond loopback: 32 characters, 192 bits or more as
 * docs/operations.md suggests generating them (`openssl rand -base64 32` gives 44). Anyone who reaches the port
 * may try tokens as fast as the daemon answers, and a token lets them make agents run commands.
 */
export const MIN_REMOTE_TOKEN_LENGTH = 32;

/** Whether the daemon listening on `host` is reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}

/**
 * Why `token` cannot protect a daemon listening on `host`, or undefined when it can (or when the daemon
 * stays on loopback, where any token, or none, is allowed). `tokenSource` and `hostSource` say where each
 * was set (a config file key, an environment variable, a flag), for the message; the token is never in it.
 */
export function remoteTokenProblem(host: string, token: string, tokenSource: string, hostSource: string): string | undefined {
  if (isLoopbackHost(host) || token === "" || token.length >= MIN_REMOTE_TOKEN_LENGTH) return undefined;
  return (
    `${tokenSource}: the token has ${token.length} characters, and a daemon listening on ${host} (${hostSource}), ` +
    `beyond loopback, needs one of at least ${MIN_REMOTE_TOKEN_LENGTH}: anyone who reaches the port could guess a short one. ` +
    `Set a longer token (for example the output of "openssl rand -base64 32"), or "require_token": true without a token ` +
    `to have one generated, or listen on 127.0.0.1`
  );
}
