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
