// Path templates of `google.api.http` rules, parsed once at start-up. Grammar (google/api/http.proto):
//   Template = "/" Segments [ Verb ] ;   Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;   Variable = "{" FieldPath [ "=" Segments ] "}" ;
//   FieldPath = IDENT { "." IDENT } ;   Verb = ":" LITERAL ;

/** One segment of a template: a literal, `*` (exactly one segment) or `**` (the rest of the path). */
export type TemplateSegment =
  | { readonly kind: "literal"; readonly value: string }
  | { readonly kind: "wildcard" }
  | { readonly kind: "deep" };

/** A `{field.path=...}` variable covering the template segments `[start, end)`. */
export interface TemplateVariable {
  readonly fieldPath: readonly string[];
  readonly start: number;
  readonly end: number;
}

export interface PathTemplate {
  readonly source: string;
  readonly segments: readonly TemplateSegment[];
  readonly variables: readonly TemplateVariable[];
  readonly verb: string | undefined;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
const literal = /^[^/{}*:=]+$/;

/** Parses a path template; throws an Error naming the template when it is malformed. */
export function parsePathTemplate(source: string): PathTemplate {
  const fail = (why: string): never => {
    throw new Error(`invalid path template "${source}": ${why}`);
  };
  if (!source.startsWith("/")) {
    fail("must start with /");
  }
  const { body, verb } = splitVerb(source.slice(1), fail);
  const segments: TemplateSegment[] = [];
  const variables: TemplateVariable[] = [];
  for (const part of splitTopLevel(body, fail)) {
    if (part.startsWith("{")) {
      if (!part.endsWith("}")) {
        fail(`unterminated variable ${part}`);
      }
      const inner = part.slice(1, -1);
      const eq = inner.indexOf("=");
      const fieldPath = (eq < 0 ? inner : inner.slice(0, eq)).split(".");
      if (!fieldPath.every((name) => identifier.test(name))) {
        fail(`bad field path in ${part}`);
      }
      const start = segments.length;
      const nested = eq < 0 ? ["*"] : inner.slice(eq + 1).split("/");
      for (const text of nested) {
        segments.push(parseSegment(text, fail));
      }
      variables.push({ fieldPath, start, end: segments.length });
    } else {
      segments.push(parseSegment(part, fail));
    }
  }
  const deepAt = segments.findIndex((segment) => segment.kind === "deep");
  if (deepAt >= 0 && deepAt !== segments.length - 1) {
    fail("** must be the last segment");
  }
  const seen = new Set<string>();
  for (const variable of variables) {
    const key = variable.fieldPath.join(".");
    if (seen.has(key)) {
      fail(`variable ${key} bound twice`);
    }
    seen.add(key);
  }
  return { source, segments, variables, verb };
}

function splitVerb(body: string, fail: (why: string) => never): { body: string; verb: string | undefined } {
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (char === "{") depth++;
    else if (char === "}") depth--;
    else if (char === ":" && depth === 0) {
      const verb = body.slice(i + 1);
      if (!literal.test(verb)) {
        fail(`bad verb :${verb}`);
      }
      return { body: body.slice(0, i), verb };
    }
  }
  return { body, verb: undefined };
}

function splitTopLevel(body: string, fail: (why: string) => never): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of body) {
    if (char === "{") {
      if (depth > 0) fail("nested variables");
      depth++;
    } else if (char === "}") {
      depth--;
    }
    if (char === "/" && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  parts.push(current);
  if (depth !== 0) {
    fail("unbalanced braces");
  }
  return parts;
}

function parseSegment(text: string, fail: (why: string) => never): TemplateSegment {
  if (text === "*") return { kind: "wildcard" };
  if (text === "**") return { kind: "deep" };
  if (!literal.test(text)) {
    fail(`bad segment "${text}"`);
  }
  return { kind: "literal", value: text };
}

/**
 * Matches decoded path segments (verb already removed) against a template. Returns the value of each
 * variable, keyed by its dotted field path, or undefined when the path does not match. `*` never
 * matches an empty segment, so `/api/projects/` is not `/api/projects/{project_id}`.
 */
export function matchPathTemplate(
  template: PathTemplate,
  segments: readonly string[],
): Map<string, string> | undefined {
  const pattern = template.segments;
  const deep = pattern.at(-1)?.kind === "deep";
  if (deep ? segments.length < pattern.length - 1 : segments.length !== pattern.length) {
    return undefined;
  }
  for (let i = 0; i < pattern.length; i++) {
    const segment = pattern[i];
    if (segment.kind === "deep") break;
    const actual = segments[i];
    if (segment.kind === "literal" ? actual !== segment.value : actual === "") {
      return undefined;
    }
  }
  const values = new Map<string, string>();
  for (const variable of template.variables) {
    const end = variable.end === pattern.length && deep ? segments.length : variable.end;
    values.set(variable.fieldPath.join("."), segments.slice(variable.start, end).join("/"));
  }
  return values;
}

/**
 * A key equal for templates that match exactly the same paths, whatever their variables are called:
 * `/api/sessions/{project_id}` and `/api/sessions/{session_id}` are the same route.
 */
export function templateShapeKey(template: PathTemplate): string {
  const shape = template.segments.map((segment) =>
    segment.kind === "literal" ? `=${segment.value}` : segment.kind === "wildcard" ? "*" : "**",
  );
  return `/${shape.join("/")}${template.verb === undefined ? "" : `:${template.verb}`}`;
}

// A template that has ended ranks between `*` and `**`: `/a` beats `/a/**` for the path `/a`.
const rank = { literal: 4, wildcard: 3, ended: 2, deep: 1 } as const;

/**
 * Orders two templates that both match a path: positive when `a` is more specific. Segment by segment, a
 * literal beats `*`, which beats `**` (so `/api/events/pending` beats `/api/events/{event_id}`); on a
 * tie, a template with a verb beats one without.
 */
export function compareSpecificity(a: PathTemplate, b: PathTemplate): number {
  const length = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const left = rank[a.segments[i]?.kind ?? "ended"];
    const right = rank[b.segments[i]?.kind ?? "ended"];
    if (left !== right) {
      return left - right;
    }
  }
  return Number(a.verb !== undefined) - Number(b.verb !== undefined);
}
