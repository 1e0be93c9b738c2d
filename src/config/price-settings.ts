import { DEFAULT_PRICES, type ModelPrice, type PriceTable } from "../domain/price-table.js";

/**
 * The config file's `prices`: `{"<model id or prefix>": {"input": 3, "output": 15, "cache_write": 3.75,
 * "cache_read": 0.3}}` in US dollars per million tokens. Cache prices default to 1.25× and 0.1× input.
 * Returns the problem with the value, or the price table (defaults with these on top).
 */
export function parsePrices(raw: Record<string, unknown>): { table: PriceTable } | { problem: string } {
  const table: Record<string, ModelPrice> = { ...DEFAULT_PRICES };
  for (const [model, value] of Object.entries(raw)) {
    if (model.trim() === "") return { problem: "model names must not be empty" };
    if (typeof value !== "object" || value === null || Array.isArray(value)) return { problem: `${model} must be an object with input and output prices` };
    const entry = value as Record<string, unknown>;
    for (const key of Object.keys(entry)) {
      if (!["input", "output", "cache_write", "cache_read"].includes(key)) return { problem: `${model}: unknown field "${key}" (known: input, output, cache_write, cache_read)` };
    }
    const number = (key: string, fallback?: number): number | string => {
      const field = entry[key];
      if (field === undefined && fallback !== undefined) return fallback;
      if (typeof field !== "number" || !Number.isFinite(field) || field < 0) return `${model}.${key} must be a non-negative number of US dollars per million tokens`;
      return field;
    };
    const input = number("input");
    const output = number("output");
    if (typeof input === "string") return { problem: input };
    if (typeof output === "string") return { problem: output };
    const cacheWrite = number("cache_write", input * 1.25);
    const cacheRead = number("cache_read", input * 0.1);
    if (typeof cacheWrite === "string") return { problem: cacheWrite };
    if (typeof cacheRead === "string") return { problem: cacheRead };
    table[model] = { input, output, cacheWrite, cacheRead };
  }
  return { table };
}
