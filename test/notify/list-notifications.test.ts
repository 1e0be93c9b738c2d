import { expect } from "chai";
import type { OutboxRecord } from "../../src/domain/records.js";
import { listNotificationsPage, listTargetsPage } from "../../src/notify/list-notifications.js";
import { parseTarget } from "../../src/notify/notification-target.js";
import { addTarget } from "../../src/notify/notification-targets.js";
import { createDomainFixture } from "../domain/domain-fixture.js";

function outbox(id: string, createdAt: string, state: OutboxRecord["state"] = "pending", target = "phone"): OutboxRecord {
  return {
    id,
    target,
    happening: "needs_input",
    projectId: "",
    state,
    attempts: 0,
    lastError: null,
    payload: {},
    createdAt,
    holdUntil: createdAt,
    nextAttemptAt: createdAt,
    deliveredAt: null,
  };
}

describe("notification listings are paged (AIP-158)", function () {
  function stateWith(count: number) {
    const f = createDomainFixture();
    f.run((ctx) => {
      for (let index = 0; index < count; index++) {
        // Pairs share a millisecond: ties keep creation order.
        const at = new Date(Date.parse("2026-02-01T00:00:00Z") + Math.floor(index / 2)).toISOString();
        ctx.tx.put("outbox", outbox(`n-${index}`, at, index % 3 === 0 ? "failed" : "pending"));
      }
    });
    return f.state;
  }

  it("walks every notification exactly once, newest first, and ends with an empty token", function () {
    const state = stateWith(7);
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = listNotificationsPage(state, { state: "", target: "" }, 0, { pageSize: 2, pageToken });
      expect(page.items.length).to.be.at.most(2);
      seen.push(...page.items.map((record) => record.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(seen).to.deep.equal(["n-6", "n-4", "n-5", "n-2", "n-3", "n-0", "n-1"]);
  });

  it("keeps `limit` as the page size when page_size is 0, with 100 as the default", function () {
    const state = stateWith(150);
    expect(listNotificationsPage(state, { state: "", target: "" }, 3, { pageSize: 0, pageToken: "" }).items).to.have.length(3);
    const first = listNotificationsPage(state, { state: "", target: "" }, 0, { pageSize: 0, pageToken: "" });
    expect(first.items).to.have.length(100);
    const rest = listNotificationsPage(state, { state: "", target: "" }, 0, { pageSize: 0, pageToken: first.nextPageToken });
    expect(rest.items).to.have.length(50);
    expect(rest.nextPageToken).to.equal("");
    expect(listNotificationsPage(state, { state: "", target: "" }, 3, { pageSize: 5, pageToken: "" }).items).to.have.length(5);
  });

  it("refuses a token of other filters naming page_token, and bad filters naming the field", function () {
    const state = stateWith(5);
    const first = listNotificationsPage(state, { state: "pending", target: "" }, 0, { pageSize: 1, pageToken: "" });
    expect(() => listNotificationsPage(state, { state: "failed", target: "" }, 0, { pageSize: 1, pageToken: first.nextPageToken })).to.throw(/page_token/);
    expect(() => listNotificationsPage(state, { state: "lost", target: "" }, 0, { pageSize: 0, pageToken: "" })).to.throw(/state/);
    expect(() => listNotificationsPage(state, { state: "", target: "" }, -1, { pageSize: 0, pageToken: "" })).to.throw(/limit/);
    expect(() => listNotificationsPage(state, { state: "", target: "" }, 0, { pageSize: -1, pageToken: "" })).to.throw(/page_size/);
  });

  it("pages the targets: the config file's first, then the API's in the order they were added", function () {
    const f = createDomainFixture();
    const config = ["c1", "c2"].map((name) => parseTarget({ name, url: "https://example.com/x" }, "", "config"));
    for (const name of ["zeta", "alpha", "mid"]) f.run((ctx) => addTarget(ctx, config, parseTarget({ name, url: "https://example.com/y" }, "", "api")));
    const names: string[] = [];
    let pageToken = "";
    do {
      const page = listTargetsPage(config, f.state, { pageSize: 2, pageToken });
      names.push(...page.items.map((target) => target.name));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(names).to.deep.equal(["c1", "c2", "zeta", "alpha", "mid"]);
  });
});
