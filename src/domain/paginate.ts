import { invalidField } from "./commander-error.js";

// AIP-158 paging for every listing. A token names the position after the last item returned (its sort
// key, and the ids already returned among the items sharing that key), never an offset: items added or
// removed before that position do not shift the next page, so a client walking the pages sees every
// item that existed throughout exactly once.

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 1000;

/** Ids kept in a token for the items sharing the last key; past this, the token keeps an anchor instead. */
const MAX_TIE_IDS = 100;

export type SortKey = readonly (string | number)[];

/** How a listing is ordered: a key per item, each component ascending (1) or descending (-1). */
export interface Ordering<T> {
  key(item: T): SortKey;
  directions: readonly (1 | -1)[];
  id(item: T): string;
}

export interface PageRequest {
  pageSize: number;
  pageToken: string;
}

export interface Page<T> {
  items: T[];
  /** Empty when nothing follows. */
  nextPageToken: string;
}

export interface TokenState {
  /** The query the token continues: method and filters. */
  q: string;
  /** Sort key of the last item returned. */
  k: (string | number)[];
  /** Ids returned so far among the items with key `k` (the newest MAX_TIE_IDS of them). */
  s: string[];
  /** How many items with key `k` were returned so far. */
  n: number;
}

export function compareKeys(a: SortKey, b: SortKey, directions: readonly (1 | -1)[]): number {
  for (let index = 0; index < directions.length; index++) {
    const x = a[index];
    const y = b[index];
    if (x === y) continue;
    return (x < y ? -1 : 1) * directions[index];
  }
  return 0;
}

/** Sorts by the ordering; the sort is stable, so items with equal keys keep their given (creation) order. */
export function sortByOrdering<T>(items: T[], ordering: Ordering<T>): T[] {
  const keyed = items.map((item) => ({ item, key: ordering.key(item) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key, ordering.directions));
  return keyed.map((entry) => entry.item);
}

/** The page size to use: 0 means the default; above the maximum is lowered to it (AIP-158). */
export function resolvePageSize(pageSize: number, defaultSize = DEFAULT_PAGE_SIZE): number {
  if (!Number.isInteger(pageSize) || pageSize < 0) throw invalidField("page_size", "must not be negative");
  if (pageSize === 0) return Math.min(defaultSize, MAX_PAGE_SIZE);
  return Math.min(pageSize, MAX_PAGE_SIZE);
}

/**
 * One page of `sorted` (already in `ordering`'s order). `query` identifies the method and its filters:
 * a token is refused by any other query. `defaultSize` applies when the request's page size is 0.
 */
export function paginate<T>(sorted: readonly T[], ordering: Ordering<T>, query: string, request: PageRequest, defaultSize = DEFAULT_PAGE_SIZE): Page<T> {
  const size = resolvePageSize(request.pageSize, defaultSize);
  if (request.pageToken === "") return pageFrom(sorted, ordering, query, 0, size, null);
  const token = decodePageToken(request.pageToken, query, ordering.directions.length);
  return pageFrom(sorted, ordering, query, resumeIndex(sorted, ordering, token), size, token);
}

function pageFrom<T>(sorted: readonly T[], ordering: Ordering<T>, query: string, start: number, size: number, previous: TokenState | null): Page<T> {
  const items: T[] = [];
  let index = start;
  const seen = previous && previous.s.length === previous.n ? new Set(previous.s) : null;
  for (; index < sorted.length && items.length < size; index++) {
    const item = sorted[index];
    // Items of the token's own key group that an earlier page returned are skipped wherever they sit.
    if (seen && compareKeys(ordering.key(item), previous!.k, ordering.directions) === 0 && seen.has(ordering.id(item))) continue;
    items.push(item);
  }
  while (index < sorted.length && seen && compareKeys(ordering.key(sorted[index]), previous!.k, ordering.directions) === 0 && seen.has(ordering.id(sorted[index]))) {
    index++;
  }
  if (index >= sorted.length || items.length === 0) return { items, nextPageToken: "" };
  return { items, nextPageToken: encodePageToken(nextState(items, ordering, query, previous)) };
}

function nextState<T>(items: readonly T[], ordering: Ordering<T>, query: string, previous: TokenState | null): TokenState {
  const last = items[items.length - 1];
  const key = [...ordering.key(last)];
  // The ids returned with the last key: on this page, plus those of earlier pages when the group spans them.
  const sameKey: string[] = [];
  for (let index = items.length - 1; index >= 0 && compareKeys(ordering.key(items[index]), key, ordering.directions) === 0; index--) {
    sameKey.unshift(ordering.id(items[index]));
  }
  const carried = previous && compareKeys(previous.k, key, ordering.directions) === 0 ? previous : null;
  const ids = [...(carried?.s ?? []), ...sameKey];
  const count = (carried?.n ?? 0) + sameKey.length;
  return { q: query, k: key, s: ids.slice(-MAX_TIE_IDS), n: count };
}

/** Where the page after the token starts in `sorted`. */
function resumeIndex<T>(sorted: readonly T[], ordering: Ordering<T>, token: TokenState): number {
  // Binary search for the first item whose key is not before the token's.
  let index = 0;
  let end = sorted.length;
  while (index < end) {
    const middle = (index + end) >>> 1;
    if (compareKeys(ordering.key(sorted[middle]), token.k, ordering.directions) < 0) index = middle + 1;
    else end = middle;
  }
  if (token.s.length === token.n) return index; // the group's returned ids are all known: pageFrom skips them
  // More items share the last key than a token keeps ids for (a burst within one millisecond): continue
  // after the last one returned if it still exists, else after as many of the group as were returned.
  const groupStart = index;
  let groupEnd = index;
  while (groupEnd < sorted.length && compareKeys(ordering.key(sorted[groupEnd]), token.k, ordering.directions) === 0) groupEnd++;
  const anchor = token.s[token.s.length - 1];
  for (let at = groupStart; at < groupEnd; at++) if (ordering.id(sorted[at]) === anchor) return at + 1;
  return Math.min(groupStart + token.n, groupEnd);
}

export function encodePageToken(state: TokenState): string {
  return Buffer.from(JSON.stringify({ v: 1, ...state }), "utf8").toString("base64url");
}

export function decodePageToken(token: string, query: string, keyLength: number): TokenState {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error("not base64url");
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalidField("page_token", "is not a page token this API issued; pass the next_page_token of the previous page unchanged");
  }
  if (!isTokenState(parsed, keyLength)) {
    throw invalidField("page_token", "is not a page token this API issued; pass the next_page_token of the previous page unchanged");
  }
  if (parsed.q !== query) {
    throw invalidField("page_token", "belongs to another listing or other filters; repeat the filters of the first page");
  }
  return parsed;
}

function isTokenState(value: unknown, keyLength: number): value is TokenState {
  if (typeof value !== "object" || value === null) return false;
  const token = value as Record<string, unknown>;
  return (
    token.v === 1 &&
    typeof token.q === "string" &&
    Array.isArray(token.k) &&
    token.k.length === keyLength &&
    token.k.every((part) => typeof part === "string" || (typeof part === "number" && Number.isFinite(part))) &&
    Array.isArray(token.s) &&
    token.s.length <= MAX_TIE_IDS &&
    token.s.every((id) => typeof id === "string") &&
    typeof token.n === "number" &&
    Number.isInteger(token.n) &&
    token.n >= token.s.length
  );
}
