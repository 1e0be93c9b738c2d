/** About how many characters of JSON one slice of a snapshot holds (a few milliseconds of serialising). */
export const SNAPSHOT_SLICE_CHARS = 256 * 1024;

/**
 * The text of one collection's snapshot, `JSON.stringify({ ...header, [key]: records })` and a newline,
 * produced a slice at a time: a writer awaits each slice's write before asking for the next, so a state of
 * 100,000 records never holds the event loop for the whole serialisation (a quarter of a second) nor keeps
 * the whole file in memory as one string. The records must not change meanwhile: records are immutable (a
 * rule replaces a record, it never edits one), so the caller's array of them is a consistent picture.
 */
export function* snapshotText(header: Record<string, unknown>, key: string, records: readonly unknown[], sliceChars = SNAPSHOT_SLICE_CHARS): Generator<string> {
  const opening = JSON.stringify(header);
  let slice = `${opening.length > 2 ? `${opening.slice(0, -1)},` : "{"}${JSON.stringify(key)}:[`;
  for (let index = 0; index < records.length; index++) {
    // As in JSON.stringify of an array: a value JSON has no text for is written as null.
    slice += `${index > 0 ? "," : ""}${JSON.stringify(records[index]) ?? "null"}`;
    if (slice.length >= sliceChars) {
      yield slice;
      slice = "";
    }
  }
  yield `${slice}]}\n`;
}
