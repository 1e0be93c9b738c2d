import { expect } from "chai";
import { useCliFixture } from "../support/cli-fixture.js";

describe("commander health (against a real daemon)", function () {
  // Each step runs the CLI as a new process, which takes seconds on a busy machine.
  this.timeout(60_000);
  const f = useCliFixture();

  it("says the daemon is ok, with its URL and version", async () => {
    const result = await f.cli(["health"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal(`Daemon at ${f.daemon.url}: ok (version 1.0.0)\n`);
  });

  it("prints the REST JSON with --json", async () => {
    expect(await f.cliJson(["health"])).to.deep.equal(await f.rest("/api/health"));
  });
});
