import { hostname, networkInterfaces } from "node:os";
import { ApiError } from "../errors/api-error.js";
import type { RequestGuard } from "./request-guard.js";

/**
 * Only requests addressed to one of `allowedHosts` (host names or IP addresses, any port) are served;
 * others get 403 HOST_NOT_ALLOWED. The defence against DNS rebinding: a web page whose name an attacker
 * re-points at 127.0.0.1 reaches the daemon, but its requests still carry the attacker's name as Host.
 */
export function hostGuard(allowedHosts: readonly string[]): RequestGuard {
  const allowed = new Set(allowedHosts.map((host) => hostName(host)).filter((host) => host !== undefined));
  // Clients send the same Host again and again: the last allowed one is remembered as it was written.
  let lastAllowed: string | undefined;
  return (req) => {
    // HTTP/2 requests carry the authority in `:authority`; Node mirrors it into `host` only sometimes.
    const authority = req.headers[":authority"] ?? req.headers.host;
    const written = Array.isArray(authority) ? authority[0] : authority;
    if (written !== undefined && written === lastAllowed) return "pass";
    const host = hostName(written);
    if (host !== undefined && allowed.has(host)) {
      lastAllowed = written;
      return "pass";
    }
    return new ApiError("HOST_NOT_ALLOWED", `host ${JSON.stringify(host ?? "")} is not allowed; add it to allowed_hosts`);
  };
}

/**
 * The Host names a daemon listening on `bindHost` answers to: the loopback names, the bind address itself
 * and the configured extra names. A daemon on every interface (`0.0.0.0`, `::`) also answers to the
 * machine's interface addresses and host name; other DNS names must be configured.
 */
export function allowedHostNames(bindHost: string, extra: readonly string[]): string[] {
  const names = ["localhost", "127.0.0.1", "::1", bindHost, ...extra];
  if (bindHost === "0.0.0.0" || bindHost === "::" || bindHost === "") {
    names.push(hostname());
    for (const addresses of Object.values(networkInterfaces())) {
      for (const address of addresses ?? []) names.push(address.address);
    }
  }
  return names;
}

/** The host part of an authority (`name`, `name:port`, `[v6]`, `[v6]:port`, or a bare IPv6 address), lower case. */
export function hostName(authority: string | undefined): string | undefined {
  if (authority === undefined) return undefined;
  const trimmed = authority.trim().toLowerCase();
  if (trimmed === "") return undefined;
  if (trimmed.startsWith("[")) {
    const end = trimmed.indexOf("]");
    return end > 1 ? trimmed.slice(1, end) : undefined;
  }
  // More than one colon and no brackets: a bare IPv6 address (only in configuration, never in a Host header).
  if (trimmed.indexOf(":") !== trimmed.lastIndexOf(":")) return trimmed;
  return trimmed.split(":")[0] || undefined;
}
