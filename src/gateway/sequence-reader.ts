import type { DescField, DescMessage } from "@bufbuild/protobuf";

type Reader = (message: unknown) => string | undefined;

const readers = new WeakMap<DescMessage, Reader>();
const none: Reader = () => undefined;

/**
 * For Server-Sent Events: a function giving a streamed message's sequence number, used as the SSE event
 * id so that a reconnecting client's `Last-Event-ID` resumes after it. The number is a scalar field
 * named `seq`, on the message itself or on one of its message fields (`WatchChangesResponse.change.seq`).
 */
export function sequenceReader(desc: DescMessage): Reader {
  let reader = readers.get(desc);
  if (reader === undefined) {
    reader = createReader(desc);
    readers.set(desc, reader);
  }
  return reader;
}

function createReader(desc: DescMessage): Reader {
  const own = seqField(desc);
  if (own !== undefined) {
    return (message) => read(message, own);
  }
  for (const field of desc.fields) {
    if (field.fieldKind !== "message") continue;
    const nested = seqField(field.message);
    if (nested !== undefined) {
      return (message) => read(get(message, field), nested);
    }
  }
  return none;
}

function seqField(desc: DescMessage): DescField | undefined {
  return desc.fields.find((field) => field.name === "seq" && field.fieldKind === "scalar");
}

function read(message: unknown, field: DescField): string | undefined {
  const value = get(message, field);
  return typeof value === "bigint" || typeof value === "number" ? String(value) : undefined;
}

function get(message: unknown, field: DescField): unknown {
  if (message === null || typeof message !== "object") {
    return undefined;
  }
  // A oneof member lives under its oneof's name, as { case, value }.
  if (field.oneof !== undefined) {
    const group = (message as Record<string, { case?: string; value?: unknown }>)[field.oneof.localName];
    return group?.case === field.localName ? group.value : undefined;
  }
  return (message as Record<string, unknown>)[field.localName];
}
