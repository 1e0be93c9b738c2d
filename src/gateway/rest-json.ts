import { fromJson, ScalarType, toJson } from "@bufbuild/protobuf";
import type { DescEnum, DescField, DescMessage, JsonObject, JsonValue, MessageShape } from "@bufbuild/protobuf";
import { ApiError } from "../errors/api-error.js";

// The REST JSON contract, on top of proto3 JSON (walked generically along the descriptors):
// - field names are the proto names (snake_case), and fields with default values are emitted;
// - an unset field with explicit presence (proto3 `optional`, or a message field outside a oneof) is
//   emitted as `null`, as the usage guide shows (`"state_reason": null`);
// - enum values are lowercase words without the type prefix (`PROJECT_STATE_IDLE` -> `"idle"`), and are
//   accepted as `idle`, `IDLE`, `PROJECT_STATE_IDLE` or the number. Connect JSON keeps canonical names.
// Well-known types (Timestamp, Struct, ...) keep their proto3 JSON form and are not walked into.

const wrapperTypes = new Set(
  ["DoubleValue", "FloatValue", "Int64Value", "UInt64Value", "Int32Value", "UInt32Value", "BoolValue",
    "StringValue", "BytesValue"].map((name) => `google.protobuf.${name}`),
);
const wellKnownJsonTypes = new Set([
  ...wrapperTypes,
  ...["Any", "Timestamp", "Duration", "FieldMask", "Struct", "Value", "ListValue", "Empty"].map(
    (name) => `google.protobuf.${name}`,
  ),
]);

const writeOptions = { useProtoFieldName: true, alwaysEmitImplicit: true } as const;

/** Whether a message type has its own JSON form in proto3 JSON. */
export function isWellKnownJson(desc: DescMessage): boolean {
  return wellKnownJsonTypes.has(desc.typeName);
}

/** A message as REST JSON. */
export function toRestJson<Desc extends DescMessage>(desc: Desc, message: MessageShape<Desc>): JsonValue {
  return restifyMessage(desc, toJson(desc, message, writeOptions));
}

function restifyMessage(desc: DescMessage, json: JsonValue): JsonValue {
  if (isWellKnownJson(desc) || !isObject(json)) {
    return json;
  }
  const out: JsonObject = {};
  for (const field of desc.fields) {
    const value = json[field.name];
    if (value !== undefined) {
      out[field.name] = restifyField(field, value);
    } else if (field.fieldKind !== "list" && field.fieldKind !== "map" && field.oneof === undefined) {
      out[field.name] = null;
    }
  }
  return out;
}

function restifyField(field: DescField, value: JsonValue): JsonValue {
  switch (field.fieldKind) {
    case "enum":
      return enumToRest(field.enum, value);
    case "message":
      return restifyMessage(field.message, value);
    case "list":
      if (!Array.isArray(value) || field.listKind === "scalar") return value;
      return field.listKind === "enum"
        ? value.map((item) => enumToRest(field.enum, item))
        : value.map((item) => restifyMessage(field.message, item));
    case "map":
      if (!isObject(value) || field.mapKind === "scalar") return value;
      return field.mapKind === "enum"
        ? mapValues(value, (item) => enumToRest(field.enum, item))
        : mapValues(value, (item) => restifyMessage(field.message, item));
    default:
      return value;
  }
}

const restEnumWords = new WeakMap<DescEnum, Map<string, string>>();

function enumToRest(desc: DescEnum, value: JsonValue): JsonValue {
  if (typeof value !== "string") {
    return value;
  }
  let words = restEnumWords.get(desc);
  if (words === undefined) {
    words = new Map(desc.values.map((candidate) => [candidate.name, candidate.localName.toLowerCase()]));
    restEnumWords.set(desc, words);
  }
  return words.get(value) ?? value;
}

/**
 * Reads REST JSON into a message: walks it to check field names and translate enum words, then decodes
 * with `fromJson`. Every failure is an INVALID_ARGUMENT ApiError naming the field.
 */
export function fromRestJson<Desc extends DescMessage>(desc: Desc, json: JsonValue): MessageShape<Desc> {
  const normalized = normalizeMessage(desc, json, "");
  try {
    return fromJson(desc, normalized);
  } catch (reason) {
    throw invalidValueFromDecodeError(reason);
  }
}

function normalizeMessage(desc: DescMessage, json: JsonValue, path: string): JsonValue {
  if (desc.typeName === "google.protobuf.FieldMask" && typeof json === "string") {
    // REST JSON names fields in snake_case (`update_mask=permission_mode`); proto3 JSON wants lowerCamelCase.
    json = json
      .split(",")
      .map((mask) => mask.trim().replace(/_([a-z0-9])/g, (_, char: string) => char.toUpperCase()))
      .join(",");
  }
  if (isWellKnownJson(desc)) {
    try {
      fromJson(desc, json);
    } catch (reason) {
      throw invalidField(path, `invalid value for field "${path}": ${errorMessage(reason)}`);
    }
    return json;
  }
  if (json === null) {
    return null;
  }
  if (!isObject(json)) {
    throw invalidField(path, `invalid value for field "${path}": expected an object`);
  }
  const fields = fieldsByJsonKey(desc);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(json)) {
    const fieldPath = path === "" ? key : `${path}.${key}`;
    const field = fields.get(key);
    if (field === undefined) {
      throw new ApiError("UNKNOWN_FIELD", `unknown field "${fieldPath}"`, {
        metadata: { field: fieldPath },
      });
    }
    out[key] = normalizeField(field, value, fieldPath);
  }
  return out;
}

function normalizeField(field: DescField, value: JsonValue, path: string): JsonValue {
  switch (field.fieldKind) {
    case "enum":
      return enumFromRest(field.enum, value, path);
    case "message":
      return normalizeMessage(field.message, value, path);
    case "list":
      if (!Array.isArray(value) || field.listKind === "scalar") return value;
      return field.listKind === "enum"
        ? value.map((item) => enumFromRest(field.enum, item, path))
        : value.map((item) => normalizeMessage(field.message, item, path));
    case "map":
      if (!isObject(value) || field.mapKind === "scalar") return value;
      return field.mapKind === "enum"
        ? mapValues(value, (item) => enumFromRest(field.enum, item, path))
        : mapValues(value, (item) => normalizeMessage(field.message, item, path));
    default:
      return value;
  }
}

function enumFromRest(desc: DescEnum, value: JsonValue, path: string): JsonValue {
  if (desc.typeName === "google.protobuf.NullValue" || value === null || typeof value === "number") {
    return value;
  }
  if (typeof value === "string") {
    if (/^-?\d+$/.test(value)) {
      return Number(value);
    }
    const name = enumNames(desc).get(value.toLowerCase());
    if (name !== undefined) {
      return name;
    }
  }
  const expected = desc.values
    .filter((candidate) => candidate.number !== 0)
    .map((candidate) => candidate.localName.toLowerCase());
  const shown = JSON.stringify(value);
  throw invalidField(path, `invalid value ${shown} for field "${path}": expected one of ${expected.join(", ")}`);
}

/**
 * The JSON value of a path variable or query parameter, which arrive as text: numbers and booleans are
 * parsed so that `fromJson` accepts them; anything unparseable stays text and fails decoding by name.
 */
export function scalarFromText(field: DescField, text: string): JsonValue {
  if (field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message")) {
    // Timestamp, Duration and FieldMask are text in JSON too; a wrapper is its wrapped scalar.
    return wrapperTypes.has(field.message.typeName) ? scalarFromText(field.message.fields[0], text) : text;
  }
  if (field.fieldKind === "enum" || (field.fieldKind === "list" && field.listKind === "enum")) {
    return text;
  }
  const scalar = field.fieldKind === "scalar" || field.fieldKind === "list" ? field.scalar : undefined;
  switch (scalar) {
    case ScalarType.BOOL: {
      const lower = text.toLowerCase();
      return lower === "true" || lower === "1" ? true : lower === "false" || lower === "0" ? false : text;
    }
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
    case ScalarType.INT32:
    case ScalarType.UINT32:
    case ScalarType.SINT32:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32: {
      const number = Number(text);
      return text.trim() !== "" && Number.isFinite(number) ? number : text;
    }
    default:
      return text;
  }
}

const fieldIndex = new WeakMap<DescMessage, Map<string, DescField>>();

/** Fields by the keys `fromJson` accepts: the proto name and the JSON (lowerCamelCase) name. */
export function fieldsByJsonKey(desc: DescMessage): Map<string, DescField> {
  let index = fieldIndex.get(desc);
  if (index === undefined) {
    index = new Map();
    for (const field of desc.fields) {
      index.set(field.name, field);
      index.set(field.jsonName, field);
    }
    fieldIndex.set(desc, index);
  }
  return index;
}

const enumIndex = new WeakMap<DescEnum, Map<string, string>>();

function enumNames(desc: DescEnum): Map<string, string> {
  let index = enumIndex.get(desc);
  if (index === undefined) {
    index = new Map();
    for (const value of desc.values) {
      index.set(value.name.toLowerCase(), value.name);
      index.set(value.localName.toLowerCase(), value.name);
    }
    enumIndex.set(desc, index);
  }
  return index;
}

function invalidValueFromDecodeError(reason: unknown): ApiError {
  const message = errorMessage(reason);
  const match = /^cannot decode field ([\w.]+) from JSON: (.*)$/s.exec(message);
  if (match === null) {
    return new ApiError("INVALID_FIELD_VALUE", `invalid request: ${message}`);
  }
  const field = match[1].slice(match[1].lastIndexOf(".") + 1);
  return invalidField(field, `invalid value for field "${field}": ${match[2]}`);
}

function invalidField(field: string, message: string): ApiError {
  return new ApiError("INVALID_FIELD_VALUE", message, { metadata: { field } });
}

function errorMessage(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function mapValues(object: JsonObject, transform: (value: JsonValue) => JsonValue): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    out[key] = transform(value);
  }
  return out;
}
