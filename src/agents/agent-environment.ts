/**
 * What every agent gets from the daemon's environment: the basics a program needs to run as the user, in
 * the user's locale, through the user's proxy. A name ending in `*` is a prefix. Not TERM: tmux gives
 * the programs in its panes its own (`default-terminal`), the terminal they actually draw on.
 */
export const BASE_AGENT_ENV: readonly string[] = [
  "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_*", "TZ", "TMPDIR",
  "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
  "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy",
  "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR",
];

/** What tmux clients run with, and so the private server they start: the basics, and the daemon's TERM. */
export const TMUX_CLIENT_ENV: readonly string[] = [...BASE_AGENT_ENV, "TERM"];

/** The daemon's own settings and secrets (COMMANDER_TOKEN, ...): never passed to an agent, whatever a list says. */
const DAEMON_ONLY = /^COMMANDER_/;
const ENV_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*\*?$/;

/** Why `pattern` cannot name variables passed to agents, or undefined when it can. */
export function agentEnvPatternProblem(pattern: string): string | undefined {
  if (!ENV_PATTERN.test(pattern)) return `${JSON.stringify(pattern)} is not a variable name (or a prefix ending in *)`;
  if (DAEMON_ONLY.test(pattern)) {
    return `${JSON.stringify(pattern)} would pass the daemon's own COMMANDER_ settings, which agents never get`;
  }
  return undefined;
}

function matches(name: string, pattern: string): boolean {
  return pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/** The variables of `source` that one of `patterns` names, never a `COMMANDER_` one. */
export function pickEnvironment(source: NodeJS.ProcessEnv, patterns: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || DAEMON_ONLY.test(name)) continue;
    if (patterns.some((pattern) => matches(name, pattern))) picked[name] = value;
  }
  return picked;
}
