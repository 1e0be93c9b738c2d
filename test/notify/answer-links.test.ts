import { expect } from "chai";
import { CommanderError } from "../../src/domain/commander-error.js";
import { answerByLink, readAnswerLink, signAnswerLink, type AnswerLinkClaims } from "../../src/notify/answer-links.js";
import { waitFor } from "../support/wait-for.js";
import { DASHBOARD, startHarness, type Harness } from "./support/notify-harness.js";
import { startReceiver, type WebhookReceiver } from "./support/webhook-receiver.js";

describe("answer links", function () {
  let receiver: WebhookReceiver;
  let harness: Harness;

  afterEach(async function () {
    await harness?.close();
    await receiver?.close();
  });

  async function linksOf(target: Record<string, unknown>, ttlMs = 3_600_000) {
    receiver = await startReceiver();
    harness = await startHarness([{ name: "phone", url: receiver.url, ...target }], { answerLinkTtlMs: ttlMs });
    const event = await harness.raise("Run the migration?", ["allow", "deny"]);
    const [request] = await waitFor(() => receiver.accepted().length === 1 && receiver.accepted(), { what: "the notification" });
    return { event, request, links: (request.json.items[0].answer_links ?? []) as Array<{ option: string; url: string }> };
  }

  function claimsOf(url: string): AnswerLinkClaims {
    const read = readAnswerLink(harness.answerLinkKey, url.split("/").pop()!);
    if ("problem" in read) throw new Error(read.problem);
    return read.claims;
  }

  const use = (claims: AnswerLinkClaims) => harness.core.mutate((ctx) => answerByLink(ctx, claims));

  it("are not sent unless the target asks for them", async function () {
    const { links } = await linksOf({});
    expect(links).to.deep.equal([]);
  });

  it("give one link per option, pointing at the daemon's answer route", async function () {
    const { links } = await linksOf({ answer_links: true });
    expect(links.map((link) => link.option)).to.deep.equal(["allow", "deny"]);
    for (const link of links) expect(link.url.startsWith(`${DASHBOARD}/api/answer-links/`)).to.equal(true);
  });

  it("answer exactly their event with exactly their option, once, and record that on the event", async function () {
    const { event, links } = await linksOf({ answer_links: true });
    const outcome = await use(claimsOf(links[1].url));
    expect(outcome.changed).to.equal(true);
    const stored = harness.core.state.events.get(event.id)!;
    expect(stored.status).to.equal("resolved");
    expect(stored.resolution).to.equal("deny");
    expect(stored.context).to.deep.include({ resolved_via: "answer_link" });
    const error = await use(claimsOf(links[0].url)).then(() => undefined, (caught: unknown) => caught);
    expect(error).to.be.instanceOf(CommanderError);
    expect((error as CommanderError).reason).to.equal("ANSWER_LINK_INVALID");
    expect((error as CommanderError).message).to.match(/already resolved/);
    const again = await use(claimsOf(links[1].url)).then(() => undefined, (caught: unknown) => caught);
    expect((again as CommanderError).reason).to.equal("ANSWER_LINK_INVALID");
    expect(harness.core.state.events.get(event.id)!.resolution).to.equal("deny");
  });

  it("refuse an expired link", async function () {
    const { event, links } = await linksOf({ answer_links: true }, 200);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const error = await use(claimsOf(links[0].url)).then(() => undefined, (caught: unknown) => caught);
    expect((error as CommanderError).reason).to.equal("ANSWER_LINK_INVALID");
    expect((error as CommanderError).message).to.match(/expired/);
    expect(harness.core.state.events.get(event.id)!.status).to.equal("pending");
  });

  it("refuse a link whose option (or event, or expiry) was changed", async function () {
    const { links } = await linksOf({ answer_links: true });
    const token = links[0].url.split("/").pop()!;
    const [, signature] = token.split(".");
    const claims = claimsOf(links[0].url);
    const altered = Buffer.from(JSON.stringify([claims.eventId, 1, claims.expiresAt, claims.nonce])).toString("base64url");
    const read = readAnswerLink(harness.answerLinkKey, `${altered}.${signature}`);
    expect(read).to.have.property("problem").that.matches(/signature does not match/);
    const forged = signAnswerLink(Buffer.alloc(32, 1), { ...claims, option: 1 });
    expect(readAnswerLink(harness.answerLinkKey, forged)).to.have.property("problem");
  });
});
