import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { ConfigError, loadConfig } from "../../src/config/load-config.js";

describe("loadConfig: connection limits and log format", () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "commander-config-"));
    file = join(dir, "config.json");
    await writeFile(file, "{}\n");
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("has defaults that keep the connections well below 1,024 open files", () => {
    const config = loadConfig({ config: file }, {});
    expect(config).to.include({ maxConnections: 512, maxConnectionsPerClient: 256, idleTimeout: 30, headersTimeout: 10, requestTimeout: 30, logFormat: "auto" });
  });

  it("reads them from the file, the environment and the --log-format flag", async () => {
    await writeFile(file, JSON.stringify({ max_connections: 100, idle_timeout: 5, log_format: "json" }));
    const config = loadConfig({ config: file, logFormat: "pretty" }, { COMMANDER_MAX_CONNECTIONS_PER_CLIENT: "20", COMMANDER_REQUEST_TIMEOUT: "0.5" });
    expect(config).to.include({ maxConnections: 100, maxConnectionsPerClient: 20, idleTimeout: 5, requestTimeout: 0.5, logFormat: "pretty" });
  });

  it("refuses bad values, naming the setting", async () => {
    await writeFile(file, "{}\n");
    expect(() => loadConfig({ config: file, logFormat: "xml" }, {})).to.throw(ConfigError, /--log-format: must be auto, json or pretty/);
    expect(() => loadConfig({ config: file }, { COMMANDER_MAX_CONNECTIONS: "0" })).to.throw(ConfigError, /COMMANDER_MAX_CONNECTIONS: must be a whole number/);
    expect(() => loadConfig({ config: file }, { COMMANDER_IDLE_TIMEOUT: "-1" })).to.throw(ConfigError, /COMMANDER_IDLE_TIMEOUT: must be a positive number/);
  });
});
