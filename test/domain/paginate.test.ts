import { expect } from "chai";
import { CommanderError } from "../../src/domain/commander-error.js";
import { paginate, resolvePageSize, sortByOrdering, type Ordering, type PageRequest } from "../../src/domain/paginate.js";

interface Item {
  id: string;
  rank: number;
  at: string;
}

// Most urgent first, then oldest first: the shape of the work, pending-event and inbox listings.
const ORDER: Ordering<Item> = { key: (item) => [item.rank, item.at], directions: [-1, 1], id: (item) => item.id };
const QUERY = "test-query";

function makeItems(count: number, options: { start?: number; rank?: (n: number) => number; sameMillisecond?: boolean } = {}): Item[] {
  const start = options.start ?? 0;
  return Array.from({ length: count }, (_, offset) => {
    const n = start + offset;
    const ms = options.sameMillisecond ? 0 : n;
    return { id: `item-${n}`, rank: options.rank?.(n) ?? 1, at: new Date(Date.UTC(2026, 0, 1) + ms).toISOString() };
  });
}

/** Walks every page, calling `between` after each one (to change the items), and returns the ids seen. */
function walk(items: Item[], pageSize: number, between: (pageNumber: number) => void = () => {}): string[][] {
  const pages: string[][] = [];
  let pageToken = "";
  for (let guard = 0; guard < 10_000; guard++) {
    const page = paginate(sortByOrdering([...items], ORDER), ORDER, QUERY, { pageSize, pageToken });
    pages.push(page.items.map((item) => item.id));
    if (page.nextPageToken === "") return pages;
    pageToken = page.nextPageToken;
    between(pages.length);
  }
  throw new Error("the pages never ended");
}

function invalidArgument(run: () => unknown, field: string): CommanderError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(CommanderError);
    const fault = error as CommanderError;
    expect(fault.code).to.equal("INVALID_ARGUMENT");
    expect(fault.metadata.field).to.equal(field);
    expect(fault.message).to.match(new RegExp(`^${field}: `));
    return fault;
  }
  throw new Error("expected an INVALID_ARGUMENT error");
}

describe("paginate", function () {
  it("returns everything on one page with no token when the items fit", function () {
    const page = paginate(sortByOrdering(makeItems(5), ORDER), ORDER, QUERY, { pageSize: 0, pageToken: "" });
    expect(page.items.map((item) => item.id)).to.deep.equal(["item-0", "item-1", "item-2", "item-3", "item-4"]);
    expect(page.nextPageToken).to.equal("");
  });

  it("splits a listing into pages in the listing's order, each item once", function () {
    const items = makeItems(25, { rank: (n) => n % 3 });
    const pages = walk(items, 10);
    expect(pages.map((page) => page.length)).to.deep.equal([10, 10, 5]);
    expect(pages.flat()).to.deep.equal(sortByOrdering([...items], ORDER).map((item) => item.id));
  });

  it("gives no token after a page that ends exactly at the last item", function () {
    const pages = walk(makeItems(20), 10);
    expect(pages.map((page) => page.length)).to.deep.equal([10, 10]);
  });

  it("defaults to 1000 items a page and lowers a larger page size to 1000", function () {
    const sorted = sortByOrdering(makeItems(1500), ORDER);
    expect(paginate(sorted, ORDER, QUERY, { pageSize: 0, pageToken: "" }).items).to.have.length(1000);
    expect(paginate(sorted, ORDER, QUERY, { pageSize: 5000, pageToken: "" }).items).to.have.length(1000);
    expect(paginate(sorted, ORDER, QUERY, { pageSize: 0, pageToken: "" }, 100).items).to.have.length(100);
    expect(resolvePageSize(7)).to.equal(7);
  });

  it("refuses a negative page size, naming page_size", function () {
    invalidArgument(() => paginate([], ORDER, QUERY, { pageSize: -1, pageToken: "" }), "page_size");
  });

  it("refuses a garbled token, naming page_token", function () {
    const token = paginate(sortByOrdering(makeItems(5), ORDER), ORDER, QUERY, { pageSize: 2, pageToken: "" }).nextPageToken;
    const garbled: PageRequest[] = [
      { pageSize: 2, pageToken: "not a token!" },
      { pageSize: 2, pageToken: token.slice(0, -4) },
      { pageSize: 2, pageToken: Buffer.from("{}").toString("base64url") },
      { pageSize: 2, pageToken: Buffer.from(JSON.stringify({ v: 1, q: QUERY, k: ["x"], s: [], n: 0 })).toString("base64url") },
      { pageSize: 2, pageToken: Buffer.from(JSON.stringify({ v: 1, q: QUERY, k: [1, "x"], s: [], n: -1 })).toString("base64url") },
    ];
    for (const request of garbled) invalidArgument(() => paginate([], ORDER, QUERY, request), "page_token");
  });

  it("refuses a token of another query, naming page_token", function () {
    const token = paginate(sortByOrdering(makeItems(5), ORDER), ORDER, QUERY, { pageSize: 2, pageToken: "" }).nextPageToken;
    const fault = invalidArgument(() => paginate([], ORDER, "other-query", { pageSize: 2, pageToken: token }), "page_token");
    expect(fault.message).to.include("another listing or other filters");
  });

  it("accepts a different page size with the same token", function () {
    const sorted = sortByOrdering(makeItems(30), ORDER);
    const first = paginate(sorted, ORDER, QUERY, { pageSize: 10, pageToken: "" });
    const second = paginate(sorted, ORDER, QUERY, { pageSize: 20, pageToken: first.nextPageToken });
    expect(second.items.map((item) => item.id)).to.deep.equal(sorted.slice(10, 30).map((item) => item.id));
    expect(second.nextPageToken).to.equal("");
  });

  it("neither repeats nor skips an item while items are added between pages, before and after the position", function () {
    const items = makeItems(100);
    let next = 1000;
    const pages = walk(items, 30, () => {
      // One more urgent item (sorts before every page already read) and one at the end, in each pause.
      items.push({ id: `urgent-${next}`, rank: 5, at: new Date(Date.UTC(2026, 0, 2) + next).toISOString() });
      items.push({ id: `late-${next}`, rank: 1, at: new Date(Date.UTC(2026, 0, 2) + next).toISOString() });
      next++;
    });
    const seen = pages.flat();
    expect(new Set(seen).size).to.equal(seen.length);
    for (const item of makeItems(100)) expect(seen).to.include(item.id);
    // Items added after the position are listed; those sorting before it are not (they are on no page read).
    expect(seen.filter((id) => id.startsWith("late-"))).to.not.be.empty;
    expect(seen.filter((id) => id.startsWith("urgent-"))).to.be.empty;
  });

  it("neither repeats nor skips an item while items, including the last one returned, are removed between pages", function () {
    const items = makeItems(100);
    const pages = walk(items, 30, (pageNumber) => {
      const lastReturned = `item-${pageNumber * 30 - 1}`;
      const firstOfPage = `item-${(pageNumber - 1) * 30}`;
      for (const id of [lastReturned, firstOfPage]) items.splice(items.findIndex((item) => item.id === id), 1);
    });
    const seen = pages.flat();
    expect(seen).to.deep.equal(makeItems(100).map((item) => item.id));
  });

  it("keeps creation order among items with equal keys and continues inside such a group", function () {
    const items = makeItems(10, { sameMillisecond: true });
    const added: string[] = [];
    const pages = walk(items, 3, (pageNumber) => {
      // A new item of the same millisecond joins the end of the group; the last one returned goes away.
      added.push(`same-ms-${pageNumber}`);
      items.push({ id: `same-ms-${pageNumber}`, rank: 1, at: items[0].at });
      const lastReturned = items.findIndex((item) => item.id === `item-${pageNumber * 3 - 1}`);
      if (lastReturned >= 0) items.splice(lastReturned, 1);
    });
    const seen = pages.flat();
    expect(seen.slice(0, 10)).to.deep.equal(makeItems(10).map((item) => item.id));
    expect(new Set(seen).size).to.equal(seen.length);
    expect(added).to.have.length.above(2);
    expect(seen.slice(10)).to.deep.equal(added);
  });

  it("keeps tokens small when more than a hundred items share a key, and still returns each once", function () {
    const items = makeItems(450, { sameMillisecond: true });
    const tokens: string[] = [];
    let pageToken = "";
    const seen: string[] = [];
    do {
      const page = paginate(items, ORDER, QUERY, { pageSize: 200, pageToken });
      seen.push(...page.items.map((item) => item.id));
      pageToken = page.nextPageToken;
      if (pageToken !== "") tokens.push(pageToken);
    } while (pageToken !== "");
    expect(seen).to.deep.equal(items.map((item) => item.id));
    for (const token of tokens) expect(token.length).to.be.below(4000);
  });

  it("orders descending keys newest first", function () {
    const newestFirst: Ordering<Item> = { key: (item) => [item.at], directions: [-1], id: (item) => item.id };
    const sorted = sortByOrdering(makeItems(5), newestFirst);
    const first = paginate(sorted, newestFirst, QUERY, { pageSize: 2, pageToken: "" });
    const second = paginate(sorted, newestFirst, QUERY, { pageSize: 2, pageToken: first.nextPageToken });
    expect([...first.items, ...second.items].map((item) => item.id)).to.deep.equal(["item-4", "item-3", "item-2", "item-1"]);
  });
});
