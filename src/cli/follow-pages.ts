import type { CliContext } from "./cli-context.js";
import { CommandFailedError } from "./usage-error.js";

/** The paging fields of every List request (AIP-158). */
export interface PageParams {
  pageSize: number;
  pageToken: string;
}

/** The largest page the daemon serves. */
const MAX_PAGE_SIZE = 1000;

/**
 * Fetches the pages of a listing one after the other until it ends or `limit` items are collected, and
 * returns the first response holding all of them. Its `nextPageToken` is the last page's: empty when the
 * listing was read to the end, else the token that continues right after the last item collected (each
 * request asks for no more than the items still wanted, so no page overshoots the limit).
 */
export async function followPages<R extends { nextPageToken: string }>(
  fetchPage: (page: PageParams) => Promise<R>,
  itemsOf: (response: R) => unknown[],
  limit?: number,
): Promise<R> {
  const pageSize = (have: number) => (limit === undefined ? MAX_PAGE_SIZE : Math.min(MAX_PAGE_SIZE, limit - have));
  const first = await fetchPage({ pageSize: pageSize(0), pageToken: "" });
  const collected = itemsOf(first);
  const tokensSeen = new Set<string>();
  while (first.nextPageToken !== "" && (limit === undefined || collected.length < limit)) {
    if (tokensSeen.has(first.nextPageToken)) throw new CommandFailedError("the daemon answered the same page token twice");
    tokensSeen.add(first.nextPageToken);
    const next = await fetchPage({ pageSize: pageSize(collected.length), pageToken: first.nextPageToken });
    collected.push(...itemsOf(next));
    first.nextPageToken = next.nextPageToken;
  }
  if (limit !== undefined && collected.length > limit) collected.length = limit;
  return first;
}

/** The line under a table cut short by `--limit`; empty when the listing was read to the end. */
export function moreNote(ctx: CliContext, response: { nextPageToken: string }): string {
  return response.nextPageToken === "" ? "" : `\n${ctx.output.color.dim("more exist; raise --limit to see them")}`;
}
