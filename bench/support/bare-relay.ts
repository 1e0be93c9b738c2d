import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { watchNdjson } from "./change-watcher.js";
import type { CleanupStack } from "./cleanup-stack.js";
import { startHelper } from "./helper-process.js";
import type { Workspace } from "./workspace.js";

export interface RelayRoute {
  path: string;
  /** JSON answered to each POST. */
  answer: unknown;
}

/**
 * The event-latency baseline: a bare `node:http` relay that makes each POST durable (append + fdatasync)
 * and writes it to an NDJSON stream at `/api/changes`, already watched when this returns.
 */
export async function startBareRelay(name: string, routes: RelayRoute[], workspace: Workspace, cleanup: CleanupStack) {
  const configFile = join(workspace.root, `${name}.json`);
  await writeFile(
    configFile,
    JSON.stringify({
      routes: routes.map((route) => ({
        method: "POST",
        path: route.path,
        status: 200,
        contentType: "application/json",
        body: Buffer.from(JSON.stringify(route.answer)).toString("base64"),
      })),
      journal: join(await workspace.dir(name), "journal.jsonl"),
      stream: "/api/changes",
    }),
  );
  const relay = await startHelper([join(import.meta.dirname, "bare-http-server.mjs"), configFile]);
  cleanup.add(name, () => relay.stop());
  const url = `http://127.0.0.1:${relay.port}`;
  const watcher = watchNdjson(`${url}/api/changes`);
  cleanup.add(`${name} watcher`, () => watcher.close());
  await watcher.ready;
  return { url, watcher };
}
