/**
 * Converters that make a record's message once and hand out the same one until the record (or what else
 * the message shows) changes. The messages are frozen: nobody changes an answered message, and the REST
 * gateway keeps the JSON of a frozen message by its identity, so a listing of unchanged records is
 * converted and written once, not on every request. Records are never changed in place (a change writes
 * a new record object), so a record's identity is its version.
 */
export function keptByRecord<R extends object, M extends object>(convert: (record: R) => M): (record: R) => M {
  const kept = new WeakMap<R, M>();
  return (record) => {
    let message = kept.get(record);
    if (message === undefined) {
      message = Object.freeze(convert(record));
      kept.set(record, message);
    }
    return message;
  };
}

/**
 * Like keptByRecord, for a message that also shows more than its record (counts, usage totals): it is
 * made again whenever `versionOf` gives another value than when it was made.
 */
export function keptByRecordAndVersion<R extends object, A extends unknown[], M extends object>(
  convert: (record: R, ...rest: A) => M,
  versionOf: (...rest: A) => string,
): (record: R, ...rest: A) => M {
  const kept = new WeakMap<R, { version: string; message: M }>();
  return (record, ...rest) => {
    const version = versionOf(...rest);
    const entry = kept.get(record);
    if (entry !== undefined && entry.version === version) return entry.message;
    const message = Object.freeze(convert(record, ...rest));
    kept.set(record, { version, message });
    return message;
  };
}

/**
 * Responses kept by request (`key`): the same frozen response while the state's version (`version`, see
 * stateVersion) has not changed, so repeated reads between two writes are answered, and written, once.
 */
export function keptResponses<M extends object>(): (key: string, version: string, make: () => M) => M {
  const kept = new Map<string, { version: string; message: M }>();
  return (key, version, make) => {
    const entry = kept.get(key);
    if (entry !== undefined && entry.version === version) return entry.message;
    const message = Object.freeze(make());
    // Only the most recent requests are kept; an entry of an older version is replaced in place.
    if (entry === undefined && kept.size >= MAX_KEPT_REQUESTS) kept.delete(kept.keys().next().value as string);
    kept.set(key, { version, message });
    return message;
  };
}

const MAX_KEPT_REQUESTS = 32;

let today = { day: "", endsAt: 0 };

/** Today's date in UTC (`2026-12-07`), worked out again only when the day ends. */
export function utcDay(): string {
  const now = Date.now();
  if (now >= today.endsAt) {
    const day = new Date(now).toISOString().slice(0, 10);
    today = { day, endsAt: Date.parse(`${day}T00:00:00Z`) + 86_400_000 };
  }
  return today.day;
}

/** What a message derived from the whole state depends on: its revision, and the day (for today's usage). */
export function stateVersion(state: { readonly revision: number }): string {
  return `${state.revision}/${utcDay()}`;
}
