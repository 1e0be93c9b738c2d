const base = "http://gateway.invalid";

/** What a request is routed by: its path (still percent-encoded) and its query. */
export interface RequestTarget {
  readonly pathname: string;
  /** Read only: a target without a query shares one empty instance. */
  readonly searchParams: URLSearchParams;
}

// A path of plain characters with no "." or ".." segment is its own normal form: the URL parser would
// give it back unchanged, so parsing it (a tenth of a small call's cost) is skipped.
const plainPath = /^\/[A-Za-z0-9_~:@!$&'()*+,;=./-]*$/;
const dotSegment = /\/\.\.?(?:\/|$)/;
const noQuery = new URLSearchParams();

/**
 * The path and query a REST request is routed by, or undefined when its target does not parse. Anything
 * but a plain path without a query goes through the URL parser, concatenated to a dummy origin rather
 * than resolved against it, so that a path like "//x" stays a path.
 */
export function requestTarget(target: string | undefined): RequestTarget | undefined {
  if (target !== undefined && plainPath.test(target) && !dotSegment.test(target)) {
    return { pathname: target, searchParams: noQuery };
  }
  return requestUrl(target);
}

/** The request target parsed as a URL, or undefined when it does not parse. */
function requestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(`${base}${target ?? "/"}`);
  } catch {
    return undefined;
  }
}
