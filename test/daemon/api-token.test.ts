import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { resolveApiToken, tokenProblem } from "../../src/daemon/api-token.js";

describe("resolveApiToken", () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "commander-api-token-"));
  });
  afterEach(() => rm(stateDir, { recursive: true, force: true }));

  it("uses a configured token as it is, and writes no file", async () => {
    expect(await resolveApiToken({ token: "abc", requireToken: true, stateDir })).to.deep.equal({ token: "abc", source: "config" });
    expect(await readFile(join(stateDir, "token"), "utf8").catch(() => undefined)).to.equal(undefined);
  });

  it("requires nothing when no token is configured or required", async () => {
    expect(await resolveApiToken({ token: "", requireToken: false, stateDir })).to.deep.equal({ token: "", source: "none" });
  });

  it("generates 256 random bits into <state_dir>/token (0600) when required, then reuses them", async () => {
    const first = await resolveApiToken({ token: "", requireToken: true, stateDir });
    expect(first.source).to.equal("generated");
    expect(first.token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect((await stat(join(stateDir, "token"))).mode & 0o777).to.equal(0o600);
    const second = await resolveApiToken({ token: "", requireToken: true, stateDir });
    expect(second).to.include({ token: first.token, source: "file", tightened: false });
  });

  it("restricts a token file readable by others to its owner", async () => {
    await writeFile(join(stateDir, "token"), "existing-token\n", { mode: 0o644 });
    const resolved = await resolveApiToken({ token: "", requireToken: true, stateDir });
    expect(resolved).to.include({ token: "existing-token", tightened: true });
    expect((await stat(join(stateDir, "token"))).mode & 0o777).to.equal(0o600);
  });

  it("refuses a token file shorter than 32 characters when the daemon listens beyond loopback", async () => {
    await writeFile(join(stateDir, "token"), "short-token\n", { mode: 0o600 });
    const refused = await resolveApiToken({ token: "", requireToken: true, stateDir, host: "0.0.0.0" }).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(refused).to.be.a("string").that.includes(join(stateDir, "token")).and.includes("at least 32");
    expect(refused).to.not.include("short-token");
    expect(await resolveApiToken({ token: "", requireToken: true, stateDir, host: "127.0.0.1" })).to.include({ token: "short-token" });
  });

  it("replaces an empty token file with a new token", async () => {
    await writeFile(join(stateDir, "token"), "\n", { mode: 0o644 });
    const resolved = await resolveApiToken({ token: "", requireToken: true, stateDir });
    expect(resolved.source).to.equal("generated");
    expect((await stat(join(stateDir, "token"))).mode & 0o777).to.equal(0o600);
  });

  it("refuses tokens that cannot travel in an Authorization header", () => {
    expect(tokenProblem("")).to.equal(undefined);
    expect(tokenProblem("Zx9-_.~+/=")).to.equal(undefined);
    for (const bad of ["two words", "tab\there", "é", "line\n"]) expect(tokenProblem(bad), bad).to.be.a("string");
  });
});
