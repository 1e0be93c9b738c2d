import { create, ScalarType, toJson } from "@bufbuild/protobuf";
import type { DescEnum, DescField, DescMessage, MessageShape } from "@bufbuild/protobuf";
import { isWellKnownJson, toRestJson } from "./rest-json.js";

type Message = MessageShape<DescMessage>;

/**
 * A message as REST JSON, UTF-8 encoded: exactly `JSON.stringify(toRestJson(desc, message))` (rest-json.ts holds the
 * contract; a test compares the two on every message type), written straight to text by a writer compiled
 * once per message type instead of building proto3 JSON, walking it again and stringifying the result.
 *
 * The bytes of a frozen message (an answer, or an item of a list in one) are kept by the message's identity:
 * services hand out the same frozen message for a record, or a listing, that has not changed
 * (services/convert/kept-messages.ts), so it is written once. Messages are never changed once answered.
 */
export function restJsonBytes(desc: DescMessage, message: Message): Buffer {
  if (!Object.isFrozen(message)) return writeBytes(desc, message);
  let bytes = keptBytes.get(message);
  if (bytes === undefined) keptBytes.set(message, (bytes = writeBytes(desc, message)));
  return bytes;
}

function writeBytes(desc: DescMessage, message: Message): Buffer {
  const out: Piece[] = [];
  writerOf(desc)(message, out);
  return joinPieces(out);
}

function joinPieces(pieces: readonly Piece[]): Buffer {
  // Each run of text is joined and encoded at once: one native call per run, not per piece.
  const parts: Array<string | Buffer> = [];
  let run: string[] = [];
  for (const piece of pieces) {
    if (typeof piece === "string") {
      run.push(piece);
      continue;
    }
    if (run.length > 0) parts.push(run.join(""));
    run = [];
    parts.push(piece);
  }
  if (parts.length === 0) return Buffer.from(run.join(""), "utf8");
  if (run.length > 0) parts.push(run.join(""));
  let length = 0;
  for (const part of parts) length += typeof part === "string" ? Buffer.byteLength(part) : part.length;
  const bytes = Buffer.allocUnsafe(length);
  let at = 0;
  for (const part of parts) {
    if (typeof part === "string") at += bytes.write(part, at);
    else {
      bytes.set(part, at);
      at += part.length;
    }
  }
  return bytes;
}

/** The REST JSON of one field of a message (a route's `response_body`); an unset message field is its default. */
export function restFieldBytes(field: DescField, message: Message): Buffer {
  const value = (message as Record<string, unknown>)[field.localName];
  if (field.fieldKind === "message" && field.oneof === undefined) {
    if (holdsJsonObject(field)) return Buffer.from(value === undefined ? "{}" : JSON.stringify(value));
    return restJsonBytes(field.message, (value ?? create(field.message)) as Message);
  }
  const selected = toRestJson(field.parent, message);
  return Buffer.from(JSON.stringify((selected as Record<string, unknown>)[field.name] ?? null));
}

// FeatureSet.FieldPresence.IMPLICIT: proto3 fields without `optional`, always written.
const IMPLICIT_PRESENCE = 2;

/**
 * Writes a value's JSON as pieces appended to `out`, joined once at the end: a listing of a thousand
 * kept texts is then copied once into the answer, not once per level of nesting.
 */
type PieceWriter = (value: unknown, out: Piece[]) => void;
/** Text, or the kept UTF-8 bytes of a list item. */
type Piece = string | Buffer;
/** A small value's JSON text (a scalar, an enum word, a JSON object). */
type TextWriter = (value: unknown) => string;

const writers = new WeakMap<DescMessage, PieceWriter>();
const keptBytes = new WeakMap<object, Buffer>();

function writerOf(desc: DescMessage): PieceWriter {
  let writer = writers.get(desc);
  if (writer === undefined) {
    writer = isWritable(desc, new Set())
      ? compileMessage(desc)
      : (message, out) => {
          out.push(JSON.stringify(toRestJson(desc, message as Message)));
        };
    writers.set(desc, writer);
  }
  return writer;
}

/** Whether every field (through nested messages) is of a kind the compiled writer handles; others use toRestJson. */
function isWritable(desc: DescMessage, seen: Set<DescMessage>): boolean {
  if (isWellKnownJson(desc)) return !isWrapper(desc);
  if (seen.has(desc)) return true;
  seen.add(desc);
  return desc.fields.every((field) => {
    switch (field.fieldKind) {
      case "map":
        return false;
      case "scalar":
        return field.scalar !== ScalarType.BYTES;
      case "list":
        if (field.listKind === "scalar") return field.scalar !== ScalarType.BYTES;
        return field.listKind === "enum" || isWritable(field.message, seen);
      case "message":
        return isWritable(field.message, seen);
      default:
        return true;
    }
  });
}

function compileMessage(desc: DescMessage): PieceWriter {
  if (isWellKnownJson(desc)) {
    return (message, out) => {
      out.push(JSON.stringify(toJson(desc, message as Message)));
    };
  }
  const fields: FieldWriter[] = [];
  const writer: PieceWriter = (message, out) => {
    out.push("{");
    let first = true;
    for (const field of fields) {
      if (field(message as Record<string, unknown>, out, first)) first = false;
    }
    out.push("}");
  };
  // Registered before its fields are compiled, so that a recursive type finds itself.
  writers.set(desc, writer);
  for (const field of desc.fields) fields.push(compileField(field));
  return writer;
}

/** Writes one field (with its key, after a comma unless it is the first written); false when the field is left out. */
type FieldWriter = (message: Record<string, unknown>, out: Piece[], first: boolean) => boolean;

function compileField(field: DescField): FieldWriter {
  const key = JSON.stringify(field.name) + ":";
  const separatedKey = "," + key;
  const name = field.localName;
  if (field.fieldKind === "list") {
    const writeItem: PieceWriter =
      field.listKind === "message"
        ? holdsJsonObject(field)
          ? pieceOf(jsonObjectWriter)
          : listItemWriter(field.message)
        : pieceOf(field.listKind === "enum" ? enumWriter(field.enum) : scalarWriter(field.scalar));
    return (message, out, first) => {
      const items = message[name] as unknown[];
      out.push(first ? key : separatedKey, "[");
      for (let index = 0; index < items.length; index++) {
        if (index > 0) out.push(",");
        writeItem(items[index], out);
      }
      out.push("]");
      return true;
    };
  }
  if (field.fieldKind === "map") throw new Error(`map field ${field.name} has no compiled writer`);
  const writeValue: PieceWriter =
    field.fieldKind === "message"
      ? holdsJsonObject(field)
        ? pieceOf(jsonObjectWriter)
        : (value, out) => writerOf(field.message)(value, out)
      : pieceOf(field.fieldKind === "enum" ? enumWriter(field.enum) : scalarWriter(field.scalar));
  if (field.oneof !== undefined) {
    const oneof = field.oneof.localName;
    return (message, out, first) => {
      const selected = message[oneof] as { case: string | undefined; value?: unknown };
      if (selected.case !== name) return false;
      out.push(first ? key : separatedKey);
      writeValue(selected.value, out);
      return true;
    };
  }
  if (field.presence !== IMPLICIT_PRESENCE) {
    return (message, out, first) => {
      const value = message[name];
      out.push(first ? key : separatedKey);
      if (value !== undefined && Object.prototype.hasOwnProperty.call(message, name)) writeValue(value, out);
      else out.push("null");
      return true;
    };
  }
  return (message, out, first) => {
    out.push(first ? key : separatedKey);
    writeValue(message[name], out);
    return true;
  };
}

function pieceOf(writer: TextWriter): PieceWriter {
  return (value, out) => {
    out.push(writer(value));
  };
}

function listItemWriter(desc: DescMessage): PieceWriter {
  if (isWellKnownJson(desc)) return (value, out) => writerOf(desc)(value, out);
  return (value, out) => {
    // Only a frozen message is known never to change; a fresh one is written once anyway.
    if (!Object.isFrozen(value)) {
      writerOf(desc)(value, out);
      return;
    }
    out.push(restJsonBytes(desc, value as Message));
  };
}

const enumWriters = new WeakMap<DescEnum, TextWriter>();

/** An enum value as its lowercase word without the type prefix (`PROJECT_STATE_IDLE` -> `"idle"`); an unknown number as itself. */
function enumWriter(desc: DescEnum): TextWriter {
  let writer = enumWriters.get(desc);
  if (writer === undefined) {
    if (desc.typeName === "google.protobuf.NullValue") {
      writer = () => "null";
    } else {
      const words = new Map(desc.values.map((value) => [value.number, JSON.stringify(value.localName.toLowerCase())]));
      writer = (value) => words.get(value as number) ?? String(value);
    }
    enumWriters.set(desc, writer);
  }
  return writer;
}

function scalarWriter(scalar: ScalarType): TextWriter {
  switch (scalar) {
    case ScalarType.STRING:
      return (value) => JSON.stringify(value);
    case ScalarType.BOOL:
      return (value) => (value ? "true" : "false");
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return (value) => {
        const number = value as number;
        if (Number.isNaN(number)) return '"NaN"';
        if (number === Number.POSITIVE_INFINITY) return '"Infinity"';
        if (number === Number.NEGATIVE_INFINITY) return '"-Infinity"';
        return JSON.stringify(number);
      };
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      // 64-bit integers are decimal strings in proto3 JSON.
      return (value) => `"${String(value)}"`;
    default:
      return (value) => JSON.stringify(value);
  }
}

/** protobuf-es keeps a google.protobuf.Struct field as the JSON object itself (except inside a Value). */
function holdsJsonObject(field: DescField & { message: DescMessage }): boolean {
  return field.message.typeName === "google.protobuf.Struct" && field.parent.typeName !== "google.protobuf.Value";
}

const jsonObjectWriter: TextWriter = (value) => JSON.stringify(value);

function isWrapper(desc: DescMessage): boolean {
  return desc.typeName.endsWith("Value") && desc.typeName !== "google.protobuf.Value" && desc.typeName !== "google.protobuf.ListValue";
}
