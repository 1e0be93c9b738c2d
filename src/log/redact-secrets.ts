/** Field names whose values never reach a log line, at any of the first three levels of a line's fields. */
export const SECRET_FIELD_NAMES: ReadonlySet<string> = new Set(["token", "secret", "hookSecret", "authorization"]);

export const REDACTED = "[redacted]";

const MAX_DEPTH = 3;

/**
 * The fields of a log line with every secret replaced by `[redacted]`: the same object when there is none
 * (the usual case, checked without copying), otherwise copies of the plain objects on the way to each
 * secret. Errors and class instances are left to their serializers. pino's own `redact` re-parsed its
 * wildcard paths and cloned the fields on every line; this was a tenth of a small request's cost.
 */
export function redactSecrets<T extends object>(fields: T): T {
  return redactObject(fields as Record<string, unknown>, 1) as T;
}

function redactObject(fields: Record<string, unknown>, depth: number): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key in fields) {
    if (!Object.prototype.hasOwnProperty.call(fields, key)) continue;
    const value = fields[key];
    let replacement: unknown = value;
    if (SECRET_FIELD_NAMES.has(key)) {
      if (value !== undefined) replacement = REDACTED;
    } else if (depth < MAX_DEPTH && isPlainObject(value)) {
      replacement = redactObject(value, depth + 1);
    }
    if (replacement !== value) {
      copy ??= { ...fields };
      copy[key] = replacement;
    }
  }
  return copy ?? fields;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
