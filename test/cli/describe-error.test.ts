import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { expect } from "chai";
import { ErrorInfoSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import { describeError, isUnreachable } from "../../src/cli/describe-error.js";
import { CommandFailedError, UsageError } from "../../src/cli/usage-error.js";

describe("describeError", () => {
  const url = "http://127.0.0.1:8765";

  it("prints an API error's message and ErrorInfo reason, exit code 1", () => {
    const err = new ConnectError("project project-x not found", Code.NotFound, undefined, [
      { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: "PROJECT_NOT_FOUND", domain: "commander" }) },
    ]);
    expect(describeError(err, url)).to.deep.equal({ message: "error: project project-x not found (PROJECT_NOT_FOUND)", exitCode: 1 });
  });

  it("falls back to the status code's name when there is no reason", () => {
    expect(describeError(new ConnectError("boom", Code.FailedPrecondition), url).message).to.equal("error: boom (FAILED_PRECONDITION)");
  });

  it("says how to start the daemon when nothing listens, exit code 3", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8765"), { code: "ECONNREFUSED" });
    const err = new ConnectError("connect ECONNREFUSED", Code.Unavailable, undefined, undefined, refused);
    expect(isUnreachable(err)).to.equal(true);
    expect(describeError(err, url)).to.deep.equal({
      message: "error: cannot reach the Commander daemon at http://127.0.0.1:8765; start it with: commander daemon",
      exitCode: 3,
    });
  });

  it("treats UNAVAILABLE answered by the daemon as an API error", () => {
    const err = new ConnectError("state cannot be written", Code.Unavailable);
    expect(isUnreachable(err)).to.equal(false);
    expect(describeError(err, url).exitCode).to.equal(1);
  });

  it("gives usage errors exit code 2 and failed commands exit code 1", () => {
    expect(describeError(new UsageError("bad"), url)).to.deep.equal({ message: "error: bad", exitCode: 2 });
    expect(describeError(new CommandFailedError("not running"), url)).to.deep.equal({ message: "error: not running", exitCode: 1 });
  });
});
