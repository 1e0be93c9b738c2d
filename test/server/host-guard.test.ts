import { hostname } from "node:os";
import { expect } from "chai";
import { allowedHostNames, hostGuard, hostName } from "../../src/server/host-guard.js";
import type { NodeServerRequest, NodeServerResponse } from "../../src/gateway/node-http-types.js";

describe("host guard", () => {
  it("reads the host of an authority, without port or brackets, in lower case", () => {
    expect(hostName("LocalHost:8765")).to.equal("localhost");
    expect(hostName("[::1]:8765")).to.equal("::1");
    expect(hostName("[::1]")).to.equal("::1");
    expect(hostName("::1")).to.equal("::1");
    expect(hostName("example.com")).to.equal("example.com");
    expect(hostName("")).to.equal(undefined);
    expect(hostName("[")).to.equal(undefined);
    expect(hostName(":80")).to.equal(undefined);
  });

  it("allows the loopback names, the bind address and the configured names", () => {
    const names = allowedHostNames("10.0.0.5", ["commander.lan"]);
    for (const name of ["localhost", "127.0.0.1", "::1", "10.0.0.5", "commander.lan"]) expect(names).to.include(name);
    expect(names).to.not.include(hostname());
  });

  it("allows the machine's addresses and host name on a wildcard bind", () => {
    const names = allowedHostNames("0.0.0.0", []);
    expect(names).to.include(hostname());
    expect(names).to.include("127.0.0.1");
  });

  it("still refuses another host right after an allowed one (the allowed Host it remembers is only a shortcut)", () => {
    const guard = hostGuard(["localhost"]);
    const verdict = (host: string) => guard({ headers: { host } } as unknown as NodeServerRequest, {} as NodeServerResponse);
    expect(verdict("localhost:8765")).to.equal("pass");
    expect(verdict("localhost:8765")).to.equal("pass");
    expect(verdict("evil.example:8765")).to.not.equal("pass");
    expect(verdict("LOCALHOST")).to.equal("pass");
    expect(verdict("evil.example:8765")).to.not.equal("pass");
  });
});
