import { expect } from "chai";
import { REDACTED, redactSecrets } from "../../src/log/redact-secrets.js";

describe("redactSecrets", () => {
  it("returns the same object, uncopied, when a line holds no secret", () => {
    const fields = { requestId: "r1", path: "/api/health", nested: { status: 200, list: [1, 2] } };
    expect(redactSecrets(fields)).to.equal(fields);
  });

  it("replaces secrets on the first three levels, copying only the objects on the way", () => {
    const headers = { authorization: "Bearer x", accept: "*/*" };
    const untouched = { count: 1 };
    const fields = { token: "t0ps3cret", call: { secret: "s", headers }, untouched, deep: { a: { hookSecret: "h" } } };
    const redacted = redactSecrets(fields);
    expect(redacted).to.deep.equal({
      token: REDACTED,
      call: { secret: REDACTED, headers: { authorization: REDACTED, accept: "*/*" } },
      untouched: { count: 1 },
      deep: { a: { hookSecret: REDACTED } },
    });
    expect(redacted.untouched).to.equal(untouched);
    expect(fields.token).to.equal("t0ps3cret");
    expect(headers.authorization).to.equal("Bearer x");
  });

  it("leaves errors and class instances to their serializers", () => {
    const err = Object.assign(new Error("boom"), { token: "kept-for-the-serializer" });
    const fields = { err };
    expect(redactSecrets(fields).err).to.equal(err);
  });
});
