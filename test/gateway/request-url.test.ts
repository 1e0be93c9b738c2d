import { expect } from "chai";
import { requestTarget } from "../../src/gateway/request-url.js";

describe("requestTarget", () => {
  const viaUrlParser = (target: string) => new URL(`http://gateway.invalid${target}`);

  it("gives what the URL parser gives, whether or not it skips it", () => {
    const targets = [
      "/api/health",
      "/api/projects/p-01/pause",
      "/api/work?project_id=p-01&state=queued",
      "/api/events/ev_1:resolve",
      "//x",
      "/api/../api/health",
      "/api/./health",
      "/api/health/.",
      "/api/projects/a.b",
      "/api/projects/%70-01",
      "/api/projects/p 1",
      "/api/projects/é",
      "/api/projects/p-01?",
      "/api/projects/(x)*+,;=!$&'@~_",
      "/api/projects/p-01#frag",
      "/a\\b",
    ];
    for (const target of targets) {
      const got = requestTarget(target);
      const expected = viaUrlParser(target);
      expect(got?.pathname, target).to.equal(expected.pathname);
      expect([...(got?.searchParams ?? [])], target).to.deep.equal([...expected.searchParams]);
    }
  });

  it("routes a request without a target as /", () => {
    expect(requestTarget(undefined)?.pathname).to.equal("/");
  });
});
