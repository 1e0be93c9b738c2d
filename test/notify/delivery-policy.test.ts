import { expect } from "chai";
import type { OutboxRecord } from "../../src/domain/records.js";
import { afterAttempt, retryAfterMs, type AttemptResult } from "../../src/notify/delivery-policy.js";

const T0 = "2026-01-01T00:00:00.000Z";
const NOW = new Date("2026-01-01T00:10:00.000Z");
const POLICY = { initialBackoffMs: 1_000, maxBackoffMs: 60_000, retryForMs: 3_600_000 };

function record(overrides: Partial<OutboxRecord> = {}): OutboxRecord {
  return {
    id: "notification-1",
    target: "phone",
    happening: "needs_input",
    projectId: "p",
    state: "pending",
    attempts: 0,
    lastError: null,
    payload: { items: [] },
    createdAt: T0,
    holdUntil: T0,
    nextAttemptAt: T0,
    deliveredAt: null,
    ...overrides,
  };
}

const delayOf = (next: OutboxRecord) => Date.parse(next.nextAttemptAt) - NOW.getTime();

describe("delivery policy", function () {
  const table: Array<{ result: AttemptResult; state: OutboxRecord["state"] }> = [
    { result: { kind: "status", status: 200 }, state: "delivered" },
    { result: { kind: "status", status: 204 }, state: "delivered" },
    { result: { kind: "status", status: 400 }, state: "failed" },
    { result: { kind: "status", status: 401 }, state: "failed" },
    { result: { kind: "status", status: 404 }, state: "failed" },
    { result: { kind: "status", status: 408 }, state: "pending" },
    { result: { kind: "status", status: 429 }, state: "pending" },
    { result: { kind: "status", status: 500 }, state: "pending" },
    { result: { kind: "status", status: 503 }, state: "pending" },
    { result: { kind: "status", status: 302 }, state: "failed" },
    { result: { kind: "network", error: "ECONNREFUSED" }, state: "pending" },
  ];
  for (const { result, state } of table) {
    const label = result.kind === "status" ? `HTTP ${result.status}` : result.error;
    it(`${label} leaves the notification ${state}`, function () {
      const next = afterAttempt(record(), result, POLICY, NOW, () => 0.5);
      expect(next.state).to.equal(state);
      expect(next.attempts).to.equal(1);
      if (state === "delivered") expect(next.deliveredAt).to.equal(NOW.toISOString());
      else expect(next.lastError).to.be.a("string").and.not.equal("");
    });
  }

  it("backs off exponentially with jitter, up to the maximum", function () {
    const delays = [0, 1, 2, 3, 10].map((attempts) => delayOf(afterAttempt(record({ attempts }), { kind: "status", status: 500 }, POLICY, NOW, () => 1)));
    expect(delays).to.deep.equal([1_000, 2_000, 4_000, 8_000, 60_000]);
    const low = delayOf(afterAttempt(record({ attempts: 3 }), { kind: "status", status: 500 }, POLICY, NOW, () => 0));
    expect(low).to.equal(4_000);
  });

  it("waits as long as a 429's Retry-After asks (seconds or an HTTP date)", function () {
    expect(delayOf(afterAttempt(record(), { kind: "status", status: 429, retryAfter: "120" }, POLICY, NOW, () => 0))).to.equal(120_000);
    const date = new Date(NOW.getTime() + 30_000).toUTCString();
    expect(delayOf(afterAttempt(record(), { kind: "status", status: 429, retryAfter: date }, POLICY, NOW, () => 0))).to.equal(30_000);
    expect(retryAfterMs("soon", NOW)).to.equal(undefined);
  });

  it("gives up once the next attempt would fall after the retry period", function () {
    const late = new Date(Date.parse(T0) + POLICY.retryForMs - 500);
    const next = afterAttempt(record({ attempts: 7 }), { kind: "network", error: "ECONNREFUSED" }, POLICY, late, () => 0.5);
    expect(next.state).to.equal("failed");
    expect(next.lastError).to.match(/ECONNREFUSED; gave up after 8 attempt/);
  });
});
