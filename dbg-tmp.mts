import { runCli } from "./src/cli/run-cli.ts";
const code = await runCli(process.argv.slice(2));
process.exitCode = code;
const t = setTimeout(() => {
  process.stderr.write(`STILL ALIVE: ${JSON.stringify(process.getActiveResourcesInfo())}\n`);
  for (const h of (process as any)._getActiveHandles()) process.stderr.write(`handle ${h.constructor.name} ${h.fd ?? ""} ${h.remoteAddress ?? ""}\n`);
}, 1000);
t.unref();
