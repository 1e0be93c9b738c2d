const base = "http://gateway.invalid";

/**
 * The URL a REST request is routed by, or undefined when its target does not parse. The target is
 * concatenated to a dummy origin rather than resolved against it, so that a path like "//x" stays a path.
 * The transport guards (src/server) decide which RPC a request reaches with this same function.
 */
export function requestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(`${base}${target ?? "/"}`);
  } catch {
    return undefined;
  }
}
