import { expect } from "chai";
import { followPages, type PageParams } from "../../src/cli/follow-pages.js";
import { CommandFailedError } from "../../src/cli/usage-error.js";

interface FakeResponse {
  items: number[];
  nextPageToken: string;
}

/** A listing of `total` numbers served as the daemon does: at most `pageSize` (0: 1000) after the token. */
function fakeListing(total: number, requests: PageParams[]) {
  return async (page: PageParams): Promise<FakeResponse> => {
    requests.push(page);
    const start = page.pageToken === "" ? 0 : Number(page.pageToken);
    const size = page.pageSize === 0 ? 1000 : Math.min(page.pageSize, 1000);
    const items = Array.from({ length: Math.max(0, Math.min(size, total - start)) }, (_, index) => start + index);
    const end = start + items.length;
    return { items, nextPageToken: end < total ? String(end) : "" };
  };
}

describe("followPages", function () {
  it("fetches every page of a listing and returns all items with no token", async function () {
    const requests: PageParams[] = [];
    const res = await followPages(fakeListing(2500, requests), (r) => r.items);
    expect(res.items).to.deep.equal(Array.from({ length: 2500 }, (_, index) => index));
    expect(res.nextPageToken).to.equal("");
    expect(requests).to.deep.equal([
      { pageSize: 1000, pageToken: "" },
      { pageSize: 1000, pageToken: "1000" },
      { pageSize: 1000, pageToken: "2000" },
    ]);
  });

  it("asks for no more than --limit still wants and keeps the token that continues after the last item", async function () {
    const requests: PageParams[] = [];
    const res = await followPages(fakeListing(2500, requests), (r) => r.items, 1200);
    expect(res.items).to.have.length(1200);
    expect(res.items[1199]).to.equal(1199);
    expect(res.nextPageToken).to.equal("1200");
    expect(requests.map((request) => request.pageSize)).to.deep.equal([1000, 200]);
  });

  it("makes one request when the limit fits a page", async function () {
    const requests: PageParams[] = [];
    const res = await followPages(fakeListing(10, requests), (r) => r.items, 3);
    expect(res.items).to.deep.equal([0, 1, 2]);
    expect(requests).to.deep.equal([{ pageSize: 3, pageToken: "" }]);
  });

  it("stops with an error when the daemon answers the same token twice", async function () {
    let failure: unknown;
    try {
      await followPages(async () => ({ items: [1], nextPageToken: "again" }), (r: FakeResponse) => r.items);
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(CommandFailedError);
  });
});
