import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { resolveDaemonTarget } from "../../src/cli/resolve-daemon-target.js";
import { UsageError } from "../../src/cli/usage-error.js";
import { acquireStateLock } from "../../src/store/state-lock.js";

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected a failure"),
    (error: unknown) => error,
  );
}

describe("resolveDaemonTarget", () => {
  let dir: string;
  let emptyStateDir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "commander-cli-target-"));
    emptyStateDir = join(dir, "state");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const writeConfig = (config: unknown) => {
    const path = join(dir, "config.json");
    writeFileSync(path, JSON.stringify(config));
    return path;
  };

  it("defaults to the daemon's default address without a token", async () => {
    expect((await resolveDaemonTarget({ stateDir: emptyStateDir }, {}, dir))).to.deep.equal({ url: "http://127.0.0.1:8765", token: undefined });
  });

  it("prefers --url over COMMANDER_URL over the daemon's own host and port settings", async () => {
    const config = writeConfig({ port: 9100 });
    const env = { COMMANDER_URL: "http://env:2", COMMANDER_CONFIG: config, COMMANDER_STATE_DIR: emptyStateDir };
    expect((await resolveDaemonTarget({ url: "http://flag:3/" }, env, dir)).url).to.equal("http://flag:3");
    expect((await resolveDaemonTarget({}, env, dir)).url).to.equal("http://env:2");
    expect((await resolveDaemonTarget({}, { COMMANDER_CONFIG: config, COMMANDER_STATE_DIR: emptyStateDir }, dir)).url).to.equal("http://127.0.0.1:9100");
    const withPort = { COMMANDER_CONFIG: config, COMMANDER_STATE_DIR: emptyStateDir, COMMANDER_PORT: "9200" };
    expect((await resolveDaemonTarget({}, withPort, dir)).url).to.equal("http://127.0.0.1:9200");
  });

  it("builds the URL from the config file's host and port, reaching a wildcard host through loopback", async () => {
    const config = writeConfig({ host: "0.0.0.0", port: 9000 });
    expect((await resolveDaemonTarget({ config, stateDir: emptyStateDir }, {}, dir)).url).to.equal("http://127.0.0.1:9000");
    const v6 = writeConfig({ host: "::1", port: 9001 });
    expect((await resolveDaemonTarget({ config: v6, stateDir: emptyStateDir }, {}, dir)).url).to.equal("http://[::1]:9001");
  });

  it("finds a running daemon through the address it answers on the state directory's lock socket", async () => {
    const lock = await acquireStateLock(dir);
    try {
      await lock.setAddress("127.0.0.1", 41234);
      expect((await resolveDaemonTarget({ stateDir: dir }, {}, dir)).url).to.equal("http://127.0.0.1:41234");
      expect((await resolveDaemonTarget({ stateDir: dir }, { COMMANDER_URL: "http://env:2" }, dir)).url).to.equal("http://env:2");
    } finally {
      await lock.release();
    }
    expect((await resolveDaemonTarget({ stateDir: dir }, {}, dir)).url).to.equal("http://127.0.0.1:8765");
  });

  it("ignores a lock file whose daemon is gone, even when its pid now belongs to a live process", async () => {
    // A crash leaves the file; the pid it names may since have been reused (here: this very process).
    writeFileSync(join(dir, "daemon.lock"), JSON.stringify({ pid: process.pid, host: "127.0.0.1", port: 41234, started_at: "" }));
    expect((await resolveDaemonTarget({ stateDir: dir }, {}, dir)).url).to.equal("http://127.0.0.1:8765");
    writeFileSync(join(dir, "daemon.lock"), JSON.stringify({ pid: 2 ** 22 + 12345, host: "127.0.0.1", port: 41234, started_at: "" }));
    expect((await resolveDaemonTarget({ stateDir: dir }, {}, dir)).url).to.equal("http://127.0.0.1:8765");
  });

  it("reads the token from --token, COMMANDER_TOKEN, the config file, then the state directory's token file", async () => {
    writeFileSync(join(dir, "token"), "from-file\n");
    expect((await resolveDaemonTarget({ stateDir: dir }, {}, dir)).token).to.equal("from-file");
    expect((await resolveDaemonTarget({ stateDir: dir }, { COMMANDER_TOKEN: "from-env" }, dir)).token).to.equal("from-env");
    expect((await resolveDaemonTarget({ stateDir: dir, token: "from-flag" }, { COMMANDER_TOKEN: "from-env" }, dir)).token).to.equal("from-flag");
    const config = writeConfig({ token: "from-config" });
    expect((await resolveDaemonTarget({ stateDir: dir, config }, {}, dir)).token).to.equal("from-config");
  });

  it("finds the state directory (and its token) through the config file", async () => {
    writeFileSync(join(dir, "token"), "secret");
    const config = writeConfig({ state_dir: dir });
    expect((await resolveDaemonTarget({ config }, {}, dir)).token).to.equal("secret");
  });

  it("reports an unreadable, malformed or invalid config file and a bad URL as usage errors", async () => {
    expect(await failure(resolveDaemonTarget({ config: join(dir, "missing.json") }, {}, dir))).to.be.instanceOf(UsageError).with.property("message").that.matches(/cannot read config file/);
    writeFileSync(join(dir, "bad.json"), "{nope");
    expect(await failure(resolveDaemonTarget({ config: "bad.json" }, {}, dir))).to.be.instanceOf(UsageError).with.property("message").that.matches(/not valid JSON/);
    expect(await failure(resolveDaemonTarget({ config: writeConfig({ port: "many" }) }, {}, dir))).to.be.instanceOf(UsageError).with.property("message").that.matches(/port/);
    expect(await failure(resolveDaemonTarget({ url: "127.0.0.1:8765", stateDir: emptyStateDir }, {}, dir))).to.be.instanceOf(UsageError).with.property("message").that.matches(/invalid daemon URL/);
  });
});
