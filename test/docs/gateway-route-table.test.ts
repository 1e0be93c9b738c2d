import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { successStatusForRpc } from "../../src/gateway/http-status.js";
import { createRouteTable, type Route } from "../../src/gateway/route-table.js";
import { COMMANDER_SERVICES } from "../support/commander-services.js";
import { REPO_ROOT } from "../support/daemon-process.js";

const services = COMMANDER_SERVICES;

/** The row docs/gateway.md shows for a route, from what the gateway reads in the annotations. */
function rowOf(route: Route): string {
  const body = route.body === "" ? "" : `\`${route.body}\``;
  const status = successStatusForRpc(route.method.name);
  const answers =
    route.method.methodKind === "server_streaming"
      ? "NDJSON or SSE"
      : status === 204
        ? "empty"
        : route.responseField
          ? `\`${route.responseField.name}\``
          : "response";
  return `| ${route.httpMethod} | \`${route.template.source}\` | ${route.method.parent.name}.${route.method.name} | ${body} | ${status}, ${answers} |`;
}

describe("docs/gateway.md", () => {
  it("lists every REST route the annotations define, with its RPC, body and answer, and no other", async () => {
    const page = await readFile(`${REPO_ROOT}/docs/gateway.md`, "utf8");
    const section = page.slice(page.indexOf("## REST route table"));
    const documented = section.split("\n").filter((line) => /^\| (GET|POST|PUT|PATCH|DELETE) \|/.test(line));
    const routes = createRouteTable(services.flatMap((service) => service.methods)).routes.map(rowOf);
    expect([...documented].sort()).to.deep.equal([...routes].sort());
  });
});
