import { expect } from "chai";
import { startReceiver, type WebhookReceiver } from "../../notify/support/webhook-receiver.js";
import { useCliFixture } from "../support/cli-fixture.js";

describe("commander notify (against a real daemon)", function () {
  this.timeout(60_000);
  const f = useCliFixture();
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(async () => {
    await receiver?.close();
  });

  it("adds, lists, tests and removes a target", async () => {
    const added = await f.cli(["notify", "add", "phone", `${receiver.url}/hook`, "--on", "needs_input,work_failed", "--secret", "hush"]);
    expect(added.code, added.stderr).to.equal(0);
    expect(added.stdout).to.equal("Added notification target phone\n");

    const listed = await f.cli(["notify", "list"]);
    expect(listed.stdout).to.match(/phone\s+json\s+needs_input,work_failed\s+all\s+no\s+api/);
    expect(listed.stdout).not.to.include("hush");

    const tested = await f.cli(["notify", "test", "phone"]);
    expect(tested.code, tested.stderr).to.equal(0);
    expect(tested.stdout).to.equal("Delivered (HTTP 200)\n");
    expect(receiver.requests.at(-1)!.headers["x-commander-signature"]).to.match(/^sha256=[0-9a-f]{64}$/);

    const json = await f.cliJson<{ targets: Array<{ name: string; has_secret: boolean }> }>(["notify", "list"]);
    expect(json.targets).to.deep.equal([{ ...json.targets[0], name: "phone", has_secret: true }]);

    const removed = await f.cli(["notify", "remove", "phone"]);
    expect(removed.code, removed.stderr).to.equal(0);
    expect((await f.cli(["notify", "list"])).stdout).to.equal("No notification targets.\n");
  });

  it("follows the pages of the targets and of the deliveries; --limit caps them and says more exist", async () => {
    for (const name of ["page-a", "page-b", "page-c"]) expect((await f.cli(["notify", "add", name, `${receiver.url}/${name}`])).code).to.equal(0);
    const all = await f.cliJson<{ targets: Array<{ name: string }>; next_page_token: string }>(["notify", "list"]);
    expect(all.targets.map((target) => target.name)).to.deep.equal(["page-a", "page-b", "page-c"]);
    expect(all.next_page_token).to.equal("");
    const capped = await f.cli(["notify", "list", "--limit", "2"]);
    expect(capped.code, capped.stderr).to.equal(0);
    const lines = capped.stdout.trimEnd().split("\n");
    expect(lines.slice(1, 3).map((line) => line.split(/\s+/)[0])).to.deep.equal(["page-a", "page-b"]);
    expect(lines.at(-1)).to.equal("more exist; raise --limit to see them");
    const firstPage = await f.rest<{ targets: Array<{ name: string }>; next_page_token: string }>("/api/notifications/targets?page_size=1");
    expect(firstPage.targets.map((target) => target.name)).to.deep.equal(["page-a"]);
    const secondPage = await f.rest<{ targets: Array<{ name: string }> }>(`/api/notifications/targets?page_size=2&page_token=${firstPage.next_page_token}`);
    expect(secondPage.targets.map((target) => target.name)).to.deep.equal(["page-b", "page-c"]);
    expect((await f.rest<{ next_page_token: string }>("/api/notifications?limit=1")).next_page_token).to.equal("");
    const deliveries = await f.cliJson<{ notifications: unknown[]; next_page_token: string }>(["notify", "deliveries", "--limit", "5"]);
    expect(deliveries).to.deep.equal({ notifications: [], next_page_token: "" });
    for (const name of ["page-a", "page-b", "page-c"]) expect((await f.cli(["notify", "remove", name])).code).to.equal(0);
  });

  it("exits 1 naming the problem when the test notification is not delivered; a bad URL is refused naming the field", async () => {
    receiver.fallback = { status: 500 };
    expect((await f.cli(["notify", "add", "broken", receiver.url])).code).to.equal(0);
    const tested = await f.cli(["notify", "test", "broken"]);
    expect(tested.code).to.equal(1);
    expect(tested.stderr).to.include("HTTP 500");
    const bad = await f.cli(["notify", "add", "x", "not a url"]);
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr).to.match(/url: is not a URL/);
    receiver.fallback = { status: 200 };
  });
});
