import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { ConfigError, loadConfig } from "../../src/config/load-config.js";

const LONG = "k".repeat(32);

describe("loadConfig: the token rule off loopback", () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "commander-config-"));
    file = join(dir, "config.json");
    await writeFile(file, "{}\n");
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  function refusal(action: () => unknown): string {
    try {
      action();
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error("expected a ConfigError");
  }

  it("refuses a token shorter than 32 characters for 0.0.0.0, naming where each was set and the minimum", () => {
    const message = refusal(() => loadConfig({ config: file, host: "0.0.0.0" }, { COMMANDER_TOKEN: "s3cr3t" }));
    expect(message).to.include("COMMANDER_TOKEN").and.include("--host").and.include("0.0.0.0").and.include("at least 32");
    expect(message).to.include("6 characters").and.not.include("s3cr3t");
  });

  it("refuses a one-character token from the config file for :: and for a LAN address", async () => {
    await writeFile(file, JSON.stringify({ host: "::", token: "x" }));
    const message = refusal(() => loadConfig({ config: file }, {}));
    expect(message).to.include(`${file}: token`).and.include(`${file}: host`).and.include("at least 32");
    expect(refusal(() => loadConfig({ config: file, host: "192.168.1.20" }, {}))).to.include("192.168.1.20");
  });

  it("refuses a token of 31 characters and accepts one of 32 off loopback", () => {
    refusal(() => loadConfig({ config: file, host: "0.0.0.0" }, { COMMANDER_TOKEN: LONG.slice(1) }));
    expect(loadConfig({ config: file, host: "0.0.0.0" }, { COMMANDER_TOKEN: LONG }).token).to.equal(LONG);
  });

  it("accepts any token on loopback, and no token at all (the daemon refuses that off loopback itself)", () => {
    for (const host of ["127.0.0.1", "localhost", "::1", "127.0.0.2"]) {
      expect(loadConfig({ config: file, host }, { COMMANDER_TOKEN: "x" }).token, host).to.equal("x");
    }
    expect(loadConfig({ config: file, host: "0.0.0.0" }, {}).token).to.equal("");
  });
});
