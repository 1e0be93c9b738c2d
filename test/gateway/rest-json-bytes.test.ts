import { expect } from "chai";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { create, ScalarType } from "@bufbuild/protobuf";
import type { DescField, DescFile, DescMessage, MessageShape } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { restFieldBytes, restJsonBytes } from "../../src/gateway/rest-json-bytes.js";

const restJsonText = (desc: DescMessage, message: MessageShape<DescMessage>) => restJsonBytes(desc, message).toString("utf8");
import { toRestJson } from "../../src/gateway/rest-json.js";

const GEN_DIR = join(import.meta.dirname, "..", "..", "gen", "es", "commander", "v1");

async function allMessageTypes(): Promise<DescMessage[]> {
  const types: DescMessage[] = [];
  for (const file of readdirSync(GEN_DIR).filter((name) => name.endsWith("_pb.ts"))) {
    const module = (await import(join(GEN_DIR, file))) as Record<string, unknown>;
    const desc = Object.entries(module).find(([name]) => name.startsWith("file_"))?.[1] as DescFile;
    for (const type of nestedTypes(desc)) if (type.kind === "message") types.push(type);
  }
  return types;
}

/** A small deterministic random source, so that a failure can be replayed. */
function randomSource(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const awkwardTexts = ["", "plain", 'quote " and \\ backslash', "line\nbreak\ttab", "\u0000\u001f control", "emoji 🧪 and é", "\u2028\u2029", "</script>"];
const awkwardNumbers = [0, -0, 1, -1, 2147483647, -2147483648, 1.5, 1e21, 1e-7, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

function fill(desc: DescMessage, random: () => number, depth: number): MessageShape<DescMessage> {
  const message = create(desc) as Record<string, unknown>;
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
  const value = (field: DescField, kind: "scalar" | "enum" | "message"): unknown => {
    if (kind === "enum") return random() < 0.1 ? 99 : pick((field as { enum: { values: { number: number }[] } }).enum.values).number;
    if (kind === "message") {
      const type = (field as { message: DescMessage }).message;
      if (type.typeName === "google.protobuf.Timestamp") return timestampFromMs(Math.floor(random() * 4e12));
      // protobuf-es holds a Struct field as the JSON object itself.
      if (type.typeName === "google.protobuf.Struct") return pick([{}, { tool: "Bash", input: { command: "ls -la", n: 2, ok: true, none: null, list: ["a", 1] } }]);
      return fill(type, random, depth + 1);
    }
    const scalar = (field as { scalar: ScalarType }).scalar;
    switch (scalar) {
      case ScalarType.STRING:
        return pick(awkwardTexts);
      case ScalarType.BOOL:
        return random() < 0.5;
      case ScalarType.DOUBLE:
      case ScalarType.FLOAT:
        return pick(awkwardNumbers);
      case ScalarType.INT64:
      case ScalarType.SINT64:
      case ScalarType.SFIXED64:
        return pick([0n, -1n, 9007199254740993n, -9223372036854775808n]);
      case ScalarType.UINT64:
      case ScalarType.FIXED64:
        return pick([0n, 18446744073709551615n]);
      default:
        return Math.floor(random() * 4000) - 2000;
    }
  };
  for (const field of desc.fields) {
    if (random() < 0.3 || depth > 3) continue;
    if (field.fieldKind === "list") {
      const items = Array.from({ length: Math.floor(random() * 4) }, () => value(field, field.listKind));
      message[field.localName] = items;
    } else if (field.fieldKind === "map") {
      continue;
    } else if (field.oneof !== undefined) {
      message[field.oneof.localName] = { case: field.localName, value: value(field, field.fieldKind) };
    } else {
      message[field.localName] = value(field, field.fieldKind);
    }
  }
  return message as MessageShape<DescMessage>;
}

describe("restJsonBytes", () => {
  it("writes exactly what toRestJson and JSON.stringify write, for every message type, empty and filled", async () => {
    const types = await allMessageTypes();
    expect(types.length).to.be.greaterThan(40);
    const random = randomSource(17);
    let compared = 0;
    for (const desc of types) {
      const samples = [create(desc), ...Array.from({ length: 25 }, () => fill(desc, random, 0))];
      for (const message of samples) {
        expect(restJsonText(desc, message), desc.typeName).to.equal(JSON.stringify(toRestJson(desc, message)));
        compared++;
      }
    }
    expect(compared).to.equal(types.length * 26);
  });

  it("writes a route's response_body field, and the default of an unset message there", async () => {
    const types = await allMessageTypes();
    const random = randomSource(5);
    let checked = 0;
    for (const desc of types) {
      for (const field of desc.fields) {
        if (field.fieldKind !== "message" || field.oneof !== undefined) continue;
        for (const message of [create(desc), fill(desc, random, 0)]) {
          const json = toRestJson(desc, message) as Record<string, unknown>;
          const expected = json[field.name] ?? toRestJson(field.message, create(field.message));
          expect(restFieldBytes(field, message).toString("utf8"), `${desc.typeName}.${field.name}`).to.equal(JSON.stringify(expected));
          checked++;
        }
      }
    }
    expect(checked).to.be.greaterThan(20);
  });

  it("keeps the text of a frozen list item by its identity, so an unchanged record is written once", async () => {
    const types = await allMessageTypes();
    const list = types.find((type) => type.typeName === "commander.v1.ListProjectsResponse")!;
    const projectType = types.find((type) => type.typeName === "commander.v1.Project")!;
    const policyType = types.find((type) => type.typeName === "commander.v1.ProjectPolicy")!;
    const policy = create(policyType) as unknown as { rules: unknown[] };
    const kept = Object.freeze(create(projectType, { id: "kept", policy } as never));
    const fresh = create(projectType, { id: "fresh", name: "first" }) as unknown as { name: string };
    const response = create(list, { projects: [kept, fresh] } as never);
    const before = restJsonText(list, response);
    // Answered messages are never changed; changing one here shows which texts are kept.
    policy.rules.push(create(types.find((type) => type.typeName === "commander.v1.PolicyRule")!, { rule: "Bash(ls)" } as never));
    fresh.name = "changed";
    const after = restJsonText(list, response);
    expect(after).not.to.contain("Bash(ls)");
    expect(after).to.contain('"name":"changed"');
    expect(after).to.equal(before.replace('"name":"first"', '"name":"changed"'));
  });
});
