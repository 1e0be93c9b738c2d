import { createServer } from "node:net";
import { expect } from "chai";
import { runCliProcess } from "./support/run-cli-process.js";

/** A port on which nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("commander exit codes (as a subprocess)", function () {
  // Each step runs the CLI as a new process, which takes seconds on a busy machine.
  this.timeout(60_000);
  it("exits 3 with one line saying how to start the daemon when it is not running", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    for (const args of [["projects", "list"], ["work", "add", "p", "x"], ["events", "list", "--json"], ["watch"]]) {
      const result = await runCliProcess(args, { env: { COMMANDER_URL: url, COMMANDER_STATE_DIR: "/nonexistent" } });
      expect(result.code, args.join(" ")).to.equal(3);
      expect(result.stderr).to.equal(`error: cannot reach the Commander daemon at ${url}; start it with: commander daemon\n`);
      expect(result.stdout).to.equal("");
    }
  });

  it("exits 2 for usage errors, before contacting any daemon", async () => {
    const env = { COMMANDER_URL: "http://127.0.0.1:9", COMMANDER_STATE_DIR: "/nonexistent" };
    const unknown = await runCliProcess(["projects", "frobnicate"], { env });
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.contain("error: unknown command 'frobnicate'");
    const missing = await runCliProcess(["work", "add", "only-a-project"], { env });
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.contain("error: missing required argument 'content'");
    const group = await runCliProcess(["events"], { env });
    expect(group.code).to.equal(2);
    expect(group.stderr).to.contain("resolve|answer [options] <event-id>");
  });

  it("exits 0 for --help, which shows an example", async () => {
    const result = await runCliProcess(["events", "resolve", "--help"]);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.contain("$ commander events resolve event-9b8a7c6d5e4f --resolution allow");
  });

  it("exits 2 when the config file is not valid", async () => {
    const result = await runCliProcess(["projects", "list", "--config", "/nonexistent/commander.json"]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/^error: cannot read config file \/nonexistent\/commander.json/);
  });
});
