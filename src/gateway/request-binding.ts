import { create } from "@bufbuild/protobuf";
import type { DescField, DescMessage, JsonObject, JsonValue, MessageShape } from "@bufbuild/protobuf";
import { ApiError } from "../errors/api-error.js";
import { fieldsByJsonKey, fromRestJson, isWellKnownJson, scalarFromText } from "./rest-json.js";
import type { Route } from "./route-table.js";

export interface RestRequestParts {
  readonly route: Route;
  readonly pathValues: ReadonlyMap<string, string>;
  readonly query: URLSearchParams;
  /** The raw body, already size-limited. */
  readonly body: Buffer;
  readonly contentType: string | undefined;
  /** The `Last-Event-ID` header of a Server-Sent Events client that reconnects. */
  readonly lastEventId: string | undefined;
}

/** The field a reconnecting SSE client's `Last-Event-ID` fills, when the request has it. */
const resumeField = "after_seq";

/**
 * Builds the request message of a REST call, grpc-gateway order: the body (`body: "*"` is the whole
 * request, `body: "field"` fills that field), then path variables (which override the body), then query
 * parameters for the fields not bound otherwise (none when the body is `*`), then `Last-Event-ID`.
 */
export function bindRestRequest(parts: RestRequestParts): MessageShape<DescMessage> {
  const { route } = parts;
  const input = route.method.input;
  let json: JsonObject = {};
  if (route.body !== "") {
    const parsed = parseJsonBody(parts.body, parts.contentType);
    if (route.body === "*") {
      if (parsed !== undefined && !isObject(parsed)) {
        throw malformed("expected a JSON object");
      }
      json = parsed ?? {};
    } else if (parsed !== undefined) {
      json[route.body] = parsed;
    }
  }
  for (const [dotted, value] of parts.pathValues) {
    const chain = route.pathFields.get(dotted);
    if (chain !== undefined) {
      setAt(json, chain, scalarFromText(chain[chain.length - 1], value));
    }
  }
  if (route.body !== "*") {
    bindQuery(json, parts.query, route);
  }
  const resume = parts.lastEventId === undefined ? undefined : input.fields.find((field) => field.name === resumeField);
  if (parts.lastEventId !== undefined && resume !== undefined) {
    if (!/^\d+$/.test(parts.lastEventId.trim())) {
      throw new ApiError("INVALID_FIELD_VALUE", "Last-Event-ID must be a sequence number", {
        metadata: { field: resumeField },
      });
    }
    setAt(json, [resume], parts.lastEventId.trim());
  }
  // Nothing bound (a GET without parameters): the empty request, without decoding anything.
  return hasKeys(json) ? fromRestJson(input, json) : create(input);
}

function hasKeys(json: JsonObject): boolean {
  for (const _key in json) return true;
  return false;
}

function parseJsonBody(body: Buffer, contentType: string | undefined): JsonValue | undefined {
  const text = body.toString("utf8");
  if (text.trim() === "") {
    return undefined;
  }
  // A body must say it is JSON (RFC 9110 §15.5.16): one without Content-Type is refused too, as
  // grpc-gateway and vanguard do, rather than guessed at. A POST without a body needs none.
  if (contentType === undefined) {
    throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "the request has a body but no Content-Type header: send Content-Type: application/json", {
      metadata: { header: "Content-Type" },
    });
  }
  if (!isJsonMediaType(contentType)) {
    throw new ApiError("UNSUPPORTED_MEDIA_TYPE", `unsupported content type "${contentType}": send application/json`, {
      metadata: { header: "Content-Type" },
    });
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (reason) {
    throw malformed(reason instanceof Error ? reason.message : String(reason));
  }
}

function isJsonMediaType(contentType: string): boolean {
  const media = contentType.split(";")[0].trim().toLowerCase();
  return media === "application/json" || media.endsWith("+json");
}

function malformed(why: string): ApiError {
  return new ApiError("MALFORMED_JSON", `invalid JSON body: ${why}`);
}

function bindQuery(json: JsonObject, query: URLSearchParams, route: Route): void {
  for (const key of new Set(query.keys())) {
    const chain = resolveQueryKey(route.method.input, key);
    const protoPath = chain.map((field) => field.name).join(".");
    if (chain[0] === route.bodyField || route.pathFields.has(protoPath)) {
      continue;
    }
    const field = chain[chain.length - 1];
    const values = query.getAll(key);
    const settable =
      field.fieldKind === "scalar" ||
      field.fieldKind === "enum" ||
      (field.fieldKind === "list" && (field.listKind !== "message" || isWellKnownJson(field.message))) ||
      (field.fieldKind === "message" && isWellKnownJson(field.message));
    if (!settable) {
      throw invalidQuery(key, `query parameter "${key}" cannot set a message or map field`);
    }
    if (field.fieldKind === "list") {
      setAt(json, chain, values.map((value) => scalarFromText(field, value)));
    } else if (values.length > 1) {
      throw invalidQuery(key, `query parameter "${key}" is given more than once`);
    } else {
      setAt(json, chain, scalarFromText(field, values[0]));
    }
  }
}

function resolveQueryKey(input: DescMessage, key: string): DescField[] {
  const chain: DescField[] = [];
  let message: DescMessage | undefined = input;
  for (const name of key.split(".")) {
    const field: DescField | undefined = message === undefined ? undefined : fieldsByJsonKey(message).get(name);
    if (field === undefined) {
      throw new ApiError("UNKNOWN_FIELD", `unknown query parameter "${key}"`, {
        metadata: { field: key },
      });
    }
    chain.push(field);
    message = field.fieldKind === "message" && !isWellKnownJson(field.message) ? field.message : undefined;
  }
  return chain;
}

function invalidQuery(key: string, message: string): ApiError {
  return new ApiError("INVALID_FIELD_VALUE", message, { metadata: { field: key } });
}

/** Sets a value at a chain of fields by proto name, dropping any JSON-name spelling of the same fields. */
function setAt(json: JsonObject, chain: readonly DescField[], value: JsonValue): void {
  let target = json;
  chain.forEach((field, i) => {
    const current = target[field.name] ?? target[field.jsonName];
    if (field.jsonName !== field.name) {
      delete target[field.jsonName];
    }
    if (i === chain.length - 1) {
      target[field.name] = value;
      return;
    }
    const next: JsonObject = isObject(current) ? current : {};
    target[field.name] = next;
    target = next;
  });
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return value !== null && value !== undefined && typeof value === "object" && !Array.isArray(value);
}
