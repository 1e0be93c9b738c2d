import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { expect } from "chai";
import { isLoopbackHost } from "../../src/config/remote-token-rule.js";
import { REPO_ROOT } from "../support/daemon-process.js";

describe("isLoopbackHost: the one loopback rule", () => {
  it("takes localhost, 127.0.0.0/8 and ::1 for loopback, and nothing else", () => {
    for (const host of ["localhost", "127.0.0.1", "127.1.2.3", "::1"]) expect(isLoopbackHost(host), host).to.equal(true);
    for (const host of ["0.0.0.0", "::", "192.168.1.2", "10.0.0.1", "example.com", "128.0.0.1", ""]) expect(isLoopbackHost(host), host).to.equal(false);
  });

  it("is the only loopback check in src/ (the daemon's refusal to listen without a token uses it too)", async () => {
    const files = (await readdir(join(REPO_ROOT, "src"), { recursive: true })).filter((file) => file.endsWith(".ts"));
    const owners: string[] = [];
    for (const file of files) {
      const text = await readFile(join(REPO_ROOT, "src", file), "utf8");
      if (/startsWith\("127\."\)/.test(text)) owners.push(relative(".", join("src", file)));
    }
    expect(owners).to.deep.equal(["src/config/remote-token-rule.ts"]);
    expect(await readFile(join(REPO_ROOT, "src/daemon/run-daemon.ts"), "utf8")).to.include("isLoopbackHost(config.host)");
  });
});
