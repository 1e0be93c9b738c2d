import { expect } from "chai";
import type { OutboxRecord } from "../../src/domain/records.js";
import { buildMessage } from "../../src/notify/build-message.js";
import { parseTarget } from "../../src/notify/notification-target.js";

const T0 = "2026-01-01T00:00:00.000Z";
const record: OutboxRecord = {
  id: "notification-abc",
  target: "t",
  happening: "needs_input",
  projectId: "project-1",
  state: "pending",
  attempts: 0,
  lastError: null,
  payload: {
    items: [
      { kind: "event", id: "event-1", title: "Run <rm -rf build>?", text: "x".repeat(5000), options: ["allow", "deny", "allow always", "never"], priority: "high" },
    ],
  },
  createdAt: T0,
  holdUntil: T0,
  nextAttemptAt: T0,
  deliveredAt: null,
};
// The answer link token of an option (the notification center signs real ones).
const link = (eventId: string, option: number) => `${eventId}-${option}`;

describe("notification formats", function () {
  it("ntfy: publishes JSON to the server root with the topic, priority, tags, click URL and at most three actions", function () {
    const target = parseTarget({ name: "t", url: "https://ntfy.example/my-topic", format: "ntfy", answer_links: true }, "", "config");
    const message = buildMessage({ record, target, baseUrl: "http://daemon", projectName: "api", answerLink: link, now: new Date(T0) });
    expect(message.url).to.equal("https://ntfy.example/");
    const body = JSON.parse(message.body);
    expect(body).to.deep.include({ topic: "my-topic", title: "api: Run <rm -rf build>?", priority: 4, tags: ["question"], click: "http://daemon/events/event-1" });
    expect(Buffer.byteLength(body.message)).to.be.at.most(4000);
    expect(body.actions).to.have.length(3);
    expect(body.actions[0]).to.deep.include({ action: "http", label: "allow", url: "http://daemon/api/answer-links/event-1-0", method: "POST" });
    expect(message.headers["idempotency-key"]).to.equal("notification-abc");
  });

  it("slack: blocks with the question, escaped, and one button per option link", function () {
    const target = parseTarget({ name: "t", url: "https://hooks.slack.example/services/T/B/x", format: "slack", answer_links: true }, "", "config");
    const body = JSON.parse(buildMessage({ record, target, baseUrl: "http://daemon", projectName: "api", answerLink: link, now: new Date(T0) }).body);
    expect(body.text).to.equal("api: Run <rm -rf build>?");
    const sections = body.blocks.filter((block: { type: string }) => block.type === "section");
    expect(sections[1].text.text).to.include("Run &lt;rm -rf build&gt;?");
    for (const section of sections) expect(section.text.text.length).to.be.at.most(3000);
    const actions = body.blocks.find((block: { type: string }) => block.type === "actions");
    expect(actions.elements.map((button: { text: { text: string } }) => button.text.text)).to.deep.equal(["allow", "deny", "allow always", "never"]);
    // A browser opens a Slack button: it goes to the dashboard's confirmation page, not to the answering API.
    expect(actions.elements[0].url).to.equal("http://daemon/answer/event-1-0");
  });

  it("json: each answer link has the API URL to POST and the confirmation page for a browser", function () {
    const target = parseTarget({ name: "t", url: "http://receiver/hook", answer_links: true }, "", "config");
    const body = JSON.parse(buildMessage({ record, target, baseUrl: "http://daemon/", projectName: "api", answerLink: link, now: new Date(T0) }).body);
    expect(body.items[0].answer_links[1]).to.deep.equal({ option: "deny", url: "http://daemon/api/answer-links/event-1-1", page_url: "http://daemon/answer/event-1-1" });
  });

  it("json: without a secret, sends no signature header", function () {
    const target = parseTarget({ name: "t", url: "http://receiver/hook" }, "", "config");
    const message = buildMessage({ record, target, baseUrl: "http://daemon", now: new Date(T0) });
    expect(message.headers).not.to.have.property("x-commander-signature");
    expect(message.headers["x-commander-timestamp"]).to.equal(String(Date.parse(T0) / 1000));
    expect(JSON.parse(message.body).items[0].text.length).to.be.at.most(4000);
  });
});

describe("notification target validation", function () {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ url: "http://x" }, /^notifications\[0\]\.name: /],
    [{ name: "a b", url: "http://x" }, /^notifications\[0\]\.name: /],
    [{ name: "a", url: "ftp://x" }, /^notifications\[0\]\.url: must be an http or https URL/],
    [{ name: "a", url: "http://x", format: "xml" }, /^notifications\[0\]\.format: must be one of json, ntfy, slack/],
    [{ name: "a", url: "http://x", on: ["coffee"] }, /^notifications\[0\]\.on: unknown happening "coffee"/],
    [{ name: "a", url: "http://x", answer_links: "yes" }, /^notifications\[0\]\.answer_links: /],
    [{ name: "a", url: "http://x", colour: "red" }, /^notifications\[0\]\.colour: unknown setting/],
  ];
  for (const [raw, message] of cases) {
    it(`refuses ${JSON.stringify(raw)} naming the field`, function () {
      expect(() => parseTarget(raw, "notifications[0]", "config")).to.throw(message);
    });
  }
});
