import { getOption, hasOption } from "@bufbuild/protobuf";
import type { DescField, DescMessage, DescMethod } from "@bufbuild/protobuf";
import { http } from "../../gen/es/google/api/annotations_pb.js";
import type { HttpRule } from "../../gen/es/google/api/http_pb.js";
import { compareSpecificity, matchPathTemplate, parsePathTemplate, templateShapeKey } from "./path-template.js";
import type { PathTemplate } from "./path-template.js";

const MEMO_ENTRIES = 512;
const MEMO_PATH_LENGTH = 256;

/** One REST binding of an RPC, from a `google.api.http` rule or one of its `additional_bindings`. */
export interface Route {
  readonly httpMethod: string;
  readonly template: PathTemplate;
  readonly method: DescMethod;
  /** `""` (no body), `"*"` (the body is the request) or the name of the request field the body fills. */
  readonly body: string;
  readonly bodyField: DescField | undefined;
  /** The response field returned instead of the whole response, if any. */
  readonly responseField: DescField | undefined;
  /** Request fields bound by path variables, by dotted path, each as the chain of fields to reach it. */
  readonly pathFields: ReadonlyMap<string, readonly DescField[]>;
}

export type RouteMatch =
  | { readonly kind: "found"; readonly route: Route; readonly pathValues: ReadonlyMap<string, string> }
  | { readonly kind: "method-not-allowed"; readonly allow: readonly string[] }
  | { readonly kind: "not-found" };

export interface RouteTable {
  readonly routes: readonly Route[];
  /** Finds the route for a method and a raw (still percent-encoded) path without query string. */
  match(httpMethod: string, rawPath: string): RouteMatch;
}

/**
 * Builds the REST routes of the given RPCs from their `google.api.http` annotations (vanguard-go style:
 * read at start-up, no generated code). Throws when an annotation is unusable or when two routes have
 * the same method and equivalent templates, so a conflict fails the daemon's start, not a request.
 */
export function createRouteTable(methods: Iterable<DescMethod>): RouteTable {
  const routes: Route[] = [];
  const owners = new Map<string, string>();
  for (const method of methods) {
    if (!hasOption(method, http)) {
      continue;
    }
    const rule = getOption(method, http);
    for (const binding of [rule, ...rule.additionalBindings]) {
      const route = createRoute(method, binding);
      const key = `${route.httpMethod} ${templateShapeKey(route.template)}`;
      const owner = owners.get(key);
      const name = `${method.parent.typeName}.${method.name}`;
      if (owner !== undefined) {
        throw new Error(`duplicate REST route ${route.httpMethod} ${route.template.source}: ${name} and ${owner}`);
      }
      owners.set(key, name);
      routes.push(route);
    }
  }
  // The same few paths come again and again (and each request is matched twice: by the transport guards
  // and by the gateway), while a scan tries every template: recent answers are kept, for short paths.
  const recent = new Map<string, RouteMatch>();
  return {
    routes,
    match(httpMethod, rawPath) {
      if (rawPath.length > MEMO_PATH_LENGTH) return matchRoute(routes, httpMethod, rawPath);
      const key = `${httpMethod} ${rawPath}`;
      let found = recent.get(key);
      if (found === undefined) {
        found = matchRoute(routes, httpMethod, rawPath);
        if (recent.size >= MEMO_ENTRIES) recent.clear();
        recent.set(key, found);
      }
      return found;
    },
  };
}

function createRoute(method: DescMethod, rule: HttpRule): Route {
  const name = `${method.parent.typeName}.${method.name}`;
  const fail = (why: string): never => {
    throw new Error(`bad google.api.http rule on ${name}: ${why}`);
  };
  if (method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming") {
    fail("client-streaming RPCs cannot be bound to REST");
  }
  let httpMethod: string;
  let path: string;
  switch (rule.pattern.case) {
    case "custom":
      httpMethod = rule.pattern.value.kind.toUpperCase();
      path = rule.pattern.value.path;
      break;
    case undefined:
      return fail("no HTTP method");
    default:
      httpMethod = rule.pattern.case.toUpperCase();
      path = rule.pattern.value;
  }
  const template = parsePathTemplate(path);
  const pathFields = new Map<string, readonly DescField[]>();
  for (const variable of template.variables) {
    const chain = resolveFieldChain(method.input, variable.fieldPath, fail);
    const last = chain[chain.length - 1];
    if (last.fieldKind !== "scalar" && last.fieldKind !== "enum") {
      fail(`path variable ${variable.fieldPath.join(".")} must name a singular scalar or enum field`);
    }
    pathFields.set(variable.fieldPath.join("."), chain);
  }
  const bodyField = rule.body === "" || rule.body === "*" ? undefined : topLevelField(method.input, rule.body, fail);
  const responseField =
    rule.responseBody === "" ? undefined : topLevelField(method.output, rule.responseBody, fail);
  return { httpMethod, template, method, body: rule.body, bodyField, responseField, pathFields };
}

function topLevelField(message: DescMessage, name: string, fail: (why: string) => never): DescField {
  return message.fields.find((field) => field.name === name) ?? fail(`${message.typeName} has no field ${name}`);
}

function resolveFieldChain(
  message: DescMessage,
  path: readonly string[],
  fail: (why: string) => never,
): DescField[] {
  const chain: DescField[] = [];
  let current: DescMessage | undefined = message;
  for (const name of path) {
    if (current === undefined) {
      return fail(`${path.join(".")} goes through a field that is not a message`);
    }
    const field = topLevelField(current, name, fail);
    chain.push(field);
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return chain;
}

function matchRoute(routes: readonly Route[], httpMethod: string, rawPath: string): RouteMatch {
  const rawSegments = rawPath.slice(1).split("/");
  const decoded = rawSegments.map(safeDecode);
  let best: { route: Route; pathValues: Map<string, string> } | undefined;
  const otherMethods = new Set<string>();
  for (const route of routes) {
    const segments = segmentsFor(route, rawSegments, decoded);
    if (segments === undefined) {
      continue;
    }
    const pathValues = matchPathTemplate(route.template, segments);
    if (pathValues === undefined) {
      continue;
    }
    if (route.httpMethod !== httpMethod) {
      otherMethods.add(route.httpMethod);
    } else if (best === undefined || compareSpecificity(route.template, best.route.template) > 0) {
      best = { route, pathValues };
    }
  }
  if (best !== undefined) {
    return { kind: "found", ...best };
  }
  if (otherMethods.size > 0) {
    return { kind: "method-not-allowed", allow: [...otherMethods].sort() };
  }
  return { kind: "not-found" };
}

function segmentsFor(route: Route, raw: readonly string[], decoded: readonly string[]): readonly string[] | undefined {
  const verb = route.template.verb;
  if (verb === undefined) {
    return decoded;
  }
  const last = raw[raw.length - 1];
  const suffix = `:${verb}`;
  if (!last.endsWith(suffix)) {
    return undefined;
  }
  return [...decoded.slice(0, -1), safeDecode(last.slice(0, -suffix.length))];
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
