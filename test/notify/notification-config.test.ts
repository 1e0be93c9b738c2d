import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { ConfigError, loadConfig } from "../../src/config/load-config.js";

describe("loadConfig: notifications", function () {
  let dir: string;
  let file: string;
  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), "commander-config-"));
    file = join(dir, "config.json");
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const load = async (settings: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => {
    await writeFile(file, JSON.stringify(settings));
    return loadConfig({ config: file }, env);
  };

  it("reads targets and delivery options from the config file", async function () {
    const config = await load({
      notifications: [{ name: "phone", url: "https://ntfy.sh/t", format: "ntfy", on: ["needs_input"], projects: ["api"], secret: "s", answer_links: true }],
      notification_options: { retry_for: 3600, initial_backoff: 0.5, attempt_timeout: 2, coalesce: 3, public_url: "https://commander.example/" },
    });
    expect(config.notifications).to.deep.equal([
      { name: "phone", url: "https://ntfy.sh/t", format: "ntfy", on: ["needs_input"], projects: ["api"], secret: "s", answerLinks: true, source: "config" },
    ]);
    expect(config.notificationOptions.retry).to.deep.include({ retryForMs: 3_600_000, initialBackoffMs: 500 });
    expect(config.notificationOptions).to.deep.include({ attemptTimeoutMs: 2_000, coalesceMs: 3_000, publicUrl: "https://commander.example" });
  });

  it("has no targets and 24 hours of retries by default", async function () {
    const config = await load({});
    expect(config.notifications).to.deep.equal([]);
    expect(config.notificationOptions.retry.retryForMs).to.equal(86_400_000);
    expect(config.notificationOptions.answerLinkTtlMs).to.equal(3_600_000);
  });

  it("takes targets from COMMANDER_NOTIFICATIONS as JSON", async function () {
    const config = await load({}, { COMMANDER_NOTIFICATIONS: JSON.stringify([{ name: "hook", url: "http://127.0.0.1:1/" }]) });
    expect(config.notifications.map((target) => target.name)).to.deep.equal(["hook"]);
  });

  const refusals: Array<[Record<string, unknown>, RegExp]> = [
    [{ notifications: { name: "x" } }, /notifications: must be a list of targets/],
    [{ notifications: [{ name: "a", url: "nope" }] }, /notifications\[0\]\.url: is not a URL/],
    [{ notifications: [{ name: "a", url: "http://x" }, { name: "a", url: "http://y" }] }, /notifications\[1\]\.name: "a" is used twice/],
    [{ notification_options: { retry_for: -1 } }, /notification_options\.retry_for: must be a positive number of seconds/],
    [{ notification_options: { speed: 1 } }, /notification_options\.speed: unknown setting/],
  ];
  for (const [settings, message] of refusals) {
    it(`refuses ${JSON.stringify(settings)} naming the field`, async function () {
      const error = await load(settings).then(() => undefined, (caught: unknown) => caught);
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as Error).message).to.match(message);
    });
  }
});
