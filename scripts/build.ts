// `npm run build` (and `prepare`, so `npm ci`): the compiled daemon and CLI, then the dashboard.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

for (const script of ["build-node.ts", "build-web.ts"]) {
  const result = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(new URL(script, import.meta.url))], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
