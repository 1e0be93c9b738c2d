import type { DescFile } from "@bufbuild/protobuf";
import { expect } from "chai";
import { readdir } from "node:fs/promises";
import { COMMANDER_SERVICES } from "../support/commander-services.js";
import { REPO_ROOT } from "../support/daemon-process.js";

describe("the list of Commander's services used by the API-surface tests", () => {
  it("names every service generated from proto/commander/v1", async () => {
    const directory = `${REPO_ROOT}/gen/es/commander/v1`;
    const generated: string[] = [];
    for (const file of (await readdir(directory)).filter((name) => name.endsWith("_service_pb.ts"))) {
      const module = (await import(`${directory}/${file}`)) as Record<string, unknown>;
      for (const value of Object.values(module)) {
        const desc = value as DescFile;
        if (desc?.kind === "file") generated.push(...desc.services.map((service) => service.typeName));
      }
    }
    expect(COMMANDER_SERVICES.map((service) => service.typeName).sort()).to.deep.equal(generated.sort());
  });
});
