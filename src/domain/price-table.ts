import type { TokenCountsRecord } from "./records.js";

/** US dollars per million tokens of each kind. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

/** Prices by model id or id prefix; the longest matching prefix wins (`claude-sonnet-4-5` prices `claude-sonnet-4-5-20250929`). */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

// Anthropic's list prices (USD per million tokens) for the Claude models current when this was written;
// cache writes are 1.25 times input (5-minute cache), cache reads 0.1 times. The config file's `prices`
// adds to and overrides these. A model matching none of them gets tokens without a cost.
function price(input: number, output: number): ModelPrice {
  return { input, output, cacheWrite: input * 1.25, cacheRead: input * 0.1 };
}

export const DEFAULT_PRICES: PriceTable = {
  "claude-opus-4-6": price(5, 25),
  "claude-opus-4-5": price(5, 25),
  "claude-opus-4-1": price(15, 75),
  "claude-opus-4": price(15, 75),
  "claude-sonnet-4-6": price(3, 15),
  "claude-sonnet-4-5": price(3, 15),
  "claude-sonnet-4": price(3, 15),
  "claude-3-7-sonnet": price(3, 15),
  "claude-haiku-4-5": price(1, 5),
  "claude-3-5-haiku": price(0.8, 4),
};

export function priceOf(table: PriceTable, model: string): ModelPrice | null {
  let best: string | null = null;
  for (const key of Object.keys(table)) {
    if ((model === key || model.startsWith(`${key}-`)) && (best === null || key.length > best.length)) best = key;
  }
  return best === null ? null : table[best];
}

export interface Cost {
  costUsd: number | null;
  /** Why the cost is unknown, else null. */
  reason: string | null;
}

/** The cost of tokens used per model; null (with the reason) as soon as one model has no price. */
export function costOf(table: PriceTable, tokensByModel: Readonly<Record<string, TokenCountsRecord>>): Cost {
  let total = 0;
  const unpriced: string[] = [];
  for (const [model, tokens] of Object.entries(tokensByModel)) {
    const modelPrice = priceOf(table, model);
    if (!modelPrice) {
      unpriced.push(model);
      continue;
    }
    total +=
      (tokens.input * modelPrice.input +
        tokens.output * modelPrice.output +
        tokens.cacheCreation * modelPrice.cacheWrite +
        tokens.cacheRead * modelPrice.cacheRead) /
      1_000_000;
  }
  if (unpriced.length > 0) {
    return { costUsd: null, reason: `no price for model ${unpriced.join(", ")}; add it under "prices" in the config file` };
  }
  // Rounded to a millionth of a dollar: sums of float products would otherwise show noise digits.
  return { costUsd: Math.round(total * 1_000_000) / 1_000_000, reason: null };
}

export function tokenTotal(tokens: TokenCountsRecord): number {
  return tokens.input + tokens.output + tokens.cacheCreation + tokens.cacheRead;
}

export function addTokens(a: TokenCountsRecord, b: TokenCountsRecord): TokenCountsRecord {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheCreation: a.cacheCreation + b.cacheCreation,
    cacheRead: a.cacheRead + b.cacheRead,
  };
}

export const NO_TOKENS: TokenCountsRecord = { input: 0, output: 0, cacheCreation: 0, cacheRead: 0 };
