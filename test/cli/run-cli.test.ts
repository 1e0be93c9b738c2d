import { createServer, type Server } from "node:net";
import { expect } from "chai";
import { runCli } from "../../src/cli/run-cli.js";
import { memoryIo } from "./support/memory-io.js";

const commandPaths = [
  [],
  ["daemon"],
  ["projects"], ["projects", "add"], ["projects", "list"], ["projects", "show"], ["projects", "rm"], ["projects", "pause"], ["projects", "resume"],
  ["sessions"], ["sessions", "start"], ["sessions", "stop"], ["sessions", "status"], ["sessions", "attach"],
  ["work"], ["work", "add"], ["work", "list"], ["work", "show"], ["work", "complete"], ["work", "cancel"],
  ["events"], ["events", "list"], ["events", "show"], ["events", "resolve"], ["events", "dismiss"],
  ["inbox"], ["inbox", "send"], ["inbox", "list"],
  ["watch"],
  ["health"],
];

/** A port on which nothing listens. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("runCli (in process)", () => {
  for (const path of commandPaths) {
    it(`prints help with an example for "commander ${path.join(" ")} --help" and exits 0`, async () => {
      const io = memoryIo();
      expect(await runCli([...path, "--help"], io)).to.equal(0);
      expect(io.stdoutText()).to.match(/^Usage: commander/);
      expect(io.stdoutText()).to.contain("Examples:\n  $ commander");
    });
  }

  it("exits 2 with a hint for an unknown command", async () => {
    const io = memoryIo();
    expect(await runCli(["projekts", "list"], io)).to.equal(2);
    expect(io.stderrText()).to.contain("error: unknown command 'projekts'");
  });

  it("exits 2 for a missing argument, an unknown option and a bad priority", async () => {
    for (const argv of [["projects", "show"], ["work", "list", "--bogus"], ["work", "add", "p", "x", "--priority", "urgent"]]) {
      const io = memoryIo();
      expect(await runCli(argv, io), argv.join(" ")).to.equal(2);
      expect(io.stderrText()).to.match(/^error: /);
    }
  });

  it("exits 2 and shows the subcommands for a bare command group", async () => {
    const io = memoryIo();
    expect(await runCli(["work"], io)).to.equal(2);
    expect(io.stderrText()).to.contain("add [options] <project-id> <content...>");
  });

  it("exits 2 for an invalid daemon URL", async () => {
    const io = memoryIo();
    expect(await runCli(["projects", "list", "--url", "localhost"], io)).to.equal(2);
    expect(io.stderrText()).to.equal('error: invalid daemon URL "localhost" (expected for example http://127.0.0.1:8765)\n');
  });

  it("exits 3 with one line saying how to start the daemon when nothing listens", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const io = memoryIo({ COMMANDER_URL: url, COMMANDER_STATE_DIR: "/nonexistent" });
    expect(await runCli(["projects", "list"], io)).to.equal(3);
    expect(io.stderrText()).to.equal(`error: cannot reach the Commander daemon at ${url}; start it with: commander daemon\n`);
    expect(io.stdoutText()).to.equal("");
  });

  it("exits 3 from watch when the daemon is not running", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const io = memoryIo({ COMMANDER_STATE_DIR: "/nonexistent" });
    expect(await runCli(["watch", "--url", url], io)).to.equal(3);
    expect(io.stderrText()).to.contain("cannot reach the Commander daemon");
  });
});
