import { expect } from "chai";
import { parsePrices } from "../../src/config/price-settings.js";
import { costOf, DEFAULT_PRICES, priceOf } from "../../src/domain/price-table.js";

const tokens = (input: number, output: number, cacheCreation = 0, cacheRead = 0) => ({ input, output, cacheCreation, cacheRead });

describe("price table", () => {
  it("prices a dated model id by its longest matching prefix", () => {
    expect(priceOf(DEFAULT_PRICES, "claude-sonnet-4-5-20250929")).to.deep.equal(DEFAULT_PRICES["claude-sonnet-4-5"]);
    expect(priceOf(DEFAULT_PRICES, "claude-opus-4-20250514")).to.deep.equal(DEFAULT_PRICES["claude-opus-4"]);
    expect(priceOf(DEFAULT_PRICES, "claude-opus-4-6")).to.deep.equal(DEFAULT_PRICES["claude-opus-4-6"]);
  });

  it("does not match a prefix in the middle of a version number", () => {
    expect(priceOf({ "claude-x-4": { input: 1, output: 1, cacheWrite: 1, cacheRead: 1 } }, "claude-x-45")).to.equal(null);
  });

  it("prices every token kind, cache writes and reads at their own rates", () => {
    const table = { m: { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 1 } };
    expect(costOf(table, { m: tokens(1000, 200, 300, 4000) })).to.deep.equal({ costUsd: 0.01 + 0.01 + 0.00375 + 0.004, reason: null });
  });

  it("adds up several models", () => {
    const table = { a: { input: 1, output: 0, cacheWrite: 0, cacheRead: 0 }, b: { input: 2, output: 0, cacheWrite: 0, cacheRead: 0 } };
    expect(costOf(table, { a: tokens(1_000_000, 0), b: tokens(1_000_000, 0) }).costUsd).to.equal(3);
  });

  it("gives no cost, and says why, when a model has no price", () => {
    const cost = costOf(DEFAULT_PRICES, { "claude-sonnet-4-5": tokens(10, 10), "mystery-model": tokens(10, 10) });
    expect(cost.costUsd).to.equal(null);
    expect(cost.reason).to.include("no price for model mystery-model");
  });

  it("reads the config file's prices over the defaults, with cache prices derived from input", () => {
    const parsed = parsePrices({ "my-model": { input: 4, output: 20 }, "claude-haiku-4-5": { input: 2, output: 6, cache_read: 0.5 } });
    if ("problem" in parsed) throw new Error(parsed.problem);
    expect(parsed.table["my-model"]).to.deep.equal({ input: 4, output: 20, cacheWrite: 5, cacheRead: 0.4 });
    expect(parsed.table["claude-haiku-4-5"]).to.deep.equal({ input: 2, output: 6, cacheWrite: 2.5, cacheRead: 0.5 });
    expect(parsed.table["claude-sonnet-4-5"]).to.deep.equal(DEFAULT_PRICES["claude-sonnet-4-5"]);
  });

  it("names the field of a bad price", () => {
    expect(parsePrices({ m: { input: -1, output: 1 } })).to.deep.equal({ problem: "m.input must be a non-negative number of US dollars per million tokens" });
    expect(parsePrices({ m: { input: 1 } })).to.have.property("problem").that.includes("m.output");
    expect(parsePrices({ m: { input: 1, output: 1, cache: 1 } })).to.have.property("problem").that.includes('unknown field "cache"');
    expect(parsePrices({ m: 3 })).to.have.property("problem").that.includes("m must be an object");
  });
});
