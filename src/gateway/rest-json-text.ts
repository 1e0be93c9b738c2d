import { create, ScalarType, toJson } from "@bufbuild/protobuf";
import type { DescEnum, DescField, DescMessage, MessageShape } from "@bufbuild/protobuf";
import { isWellKnownJson, toRestJson } from "./rest-json.js";

type Message = MessageShape<DescMessage>;
type Writer = (value: unknown) => string;

/**
 * A message as REST JSON text: exactly `JSON.stringify(toRestJson(desc, message))` (rest-json.ts holds the
 * contract; a test compares the two on every message type), written straight to text by a writer compiled
 * once per message type instead of building proto3 JSON, walking it again and stringifying the result.
 *
 * The text of a message that is an item of a repeated field is kept by the message's identity: services
 * hand out the same message for a record that has not changed (services/convert), so a listing of
 * unchanged records is rendered once. Messages are never changed after they are answered.
 */
export function restJsonText(desc: DescMessage, message: Message): string {
  return writerOf(desc)(message);
}

/** The REST JSON text of one field of a message (a route's `response_body`); an unset message field is its default. */
export function restFieldText(field: DescField, message: Message): string {
  const value = (message as Record<string, unknown>)[field.localName];
  if (field.fieldKind === "message" && field.oneof === undefined) {
    if (holdsJsonObject(field)) return value === undefined ? "{}" : JSON.stringify(value);
    return writerOf(field.message)(value ?? create(field.message));
  }
  const selected = toRestJson(field.parent, message);
  return JSON.stringify((selected as Record<string, unknown>)[field.name] ?? null);
}

// FeatureSet.FieldPresence.IMPLICIT: proto3 fields without `optional`, always written.
const IMPLICIT_PRESENCE = 2;

const writers = new WeakMap<DescMessage, Writer>();
const itemTexts = new WeakMap<object, string>();

function writerOf(desc: DescMessage): Writer {
  let writer = writers.get(desc);
  if (writer === undefined) {
    writer = isWritable(desc, new Set()) ? compileMessage(desc) : (message) => JSON.stringify(toRestJson(desc, message as Message));
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

function compileMessage(desc: DescMessage): Writer {
  if (isWellKnownJson(desc)) return (message) => JSON.stringify(toJson(desc, message as Message));
  const parts: Array<(message: Record<string, unknown>) => string | undefined> = [];
  // Registered before its fields are compiled, so that a recursive type finds itself.
  const writer: Writer = (message) => {
    let text = "{";
    let first = true;
    for (const part of parts) {
      const written = part(message as Record<string, unknown>);
      if (written === undefined) continue;
      text += first ? written : "," + written;
      first = false;
    }
    return text + "}";
  };
  writers.set(desc, writer);
  for (const field of desc.fields) parts.push(compileField(field));
  return writer;
}

function compileField(field: DescField): (message: Record<string, unknown>) => string | undefined {
  const key = JSON.stringify(field.name) + ":";
  const name = field.localName;
  if (field.fieldKind === "list") {
    const writeItem = field.listKind === "message" ? (holdsJsonObject(field) ? jsonObjectWriter : listItemWriter(field.message)) : field.listKind === "enum" ? enumWriter(field.enum) : scalarWriter(field.scalar);
    return (message) => {
      const items = message[name] as unknown[];
      let text = key + "[";
      for (let index = 0; index < items.length; index++) text += (index === 0 ? "" : ",") + writeItem(items[index]);
      return text + "]";
    };
  }
  if (field.fieldKind === "map") throw new Error(`map field ${field.name} has no compiled writer`);
  const writeValue: Writer = field.fieldKind === "message" ? (holdsJsonObject(field) ? jsonObjectWriter : (value) => writerOf(field.message)(value)) : field.fieldKind === "enum" ? enumWriter(field.enum) : scalarWriter(field.scalar);
  if (field.oneof !== undefined) {
    const oneof = field.oneof.localName;
    return (message) => {
      const selected = message[oneof] as { case: string | undefined; value?: unknown };
      return selected.case === name ? key + writeValue(selected.value) : undefined;
    };
  }
  if (field.presence !== IMPLICIT_PRESENCE) {
    return (message) => {
      const value = message[name];
      return value !== undefined && Object.prototype.hasOwnProperty.call(message, name) ? key + writeValue(value) : key + "null";
    };
  }
  return (message) => key + writeValue(message[name]);
}

function listItemWriter(desc: DescMessage): Writer {
  if (isWellKnownJson(desc)) return (value) => writerOf(desc)(value);
  return (value) => {
    // Only a frozen message is known never to change; a fresh one is written once anyway.
    if (!Object.isFrozen(value)) return writerOf(desc)(value);
    let text = itemTexts.get(value as object);
    if (text === undefined) {
      text = writerOf(desc)(value);
      itemTexts.set(value as object, text);
    }
    return text;
  };
}

const enumWriters = new WeakMap<DescEnum, Writer>();

/** An enum value as its lowercase word without the type prefix (`PROJECT_STATE_IDLE` -> `"idle"`); an unknown number as itself. */
function enumWriter(desc: DescEnum): Writer {
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

function scalarWriter(scalar: ScalarType): Writer {
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

const jsonObjectWriter: Writer = (value) => JSON.stringify(value);

function isWrapper(desc: DescMessage): boolean {
  return desc.typeName.endsWith("Value") && desc.typeName !== "google.protobuf.Value" && desc.typeName !== "google.protobuf.ListValue";
}
