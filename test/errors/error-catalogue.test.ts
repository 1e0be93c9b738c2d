import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { expect } from "chai";
import { ErrorInfoSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import { ApiError, errorReasonOf } from "../../src/errors/api-error.js";
import { ERROR_CATALOGUE, ERROR_DOMAIN, type ErrorReason } from "../../src/errors/error-catalogue.js";
import { REPO_ROOT } from "../support/daemon-process.js";

const reasons = Object.keys(ERROR_CATALOGUE) as ErrorReason[];

// grpc-gateway's HTTPStatusFromCode (runtime/errors.go), written out here rather than read from src/.
const GRPC_GATEWAY_STATUS: Record<string, number> = {
  INVALID_ARGUMENT: 400, FAILED_PRECONDITION: 400, OUT_OF_RANGE: 400, UNAUTHENTICATED: 401, PERMISSION_DENIED: 403,
  NOT_FOUND: 404, ALREADY_EXISTS: 409, RESOURCE_EXHAUSTED: 429, UNIMPLEMENTED: 501, INTERNAL: 500, UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};
// Where HTTP has a more precise status than the code's.
const PRECISE_STATUS: Partial<Record<ErrorReason, number>> = { METHOD_NOT_ALLOWED: 405, BODY_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415 };

/** `INVALID_ARGUMENT` -> `Code.InvalidArgument`. */
function connectCode(name: string): Code {
  const pascal = name.toLowerCase().replace(/(^|_)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
  return Code[pascal as keyof typeof Code];
}

describe("error catalogue", () => {
  it("gives every reason grpc-gateway's HTTP status for its code, except 405, 413 and 415", () => {
    for (const reason of reasons) {
      const entry = ERROR_CATALOGUE[reason];
      expect(entry.http, reason).to.equal(PRECISE_STATUS[reason] ?? GRPC_GATEWAY_STATUS[entry.code]);
    }
  });

  it("describes every reason in one sentence", () => {
    for (const reason of reasons) expect(ERROR_CATALOGUE[reason].description, reason).to.match(/^[A-Z`].*\.$/);
  });

  it("makes an ApiError's code, HTTP status and ErrorInfo from its reason alone", () => {
    for (const reason of reasons) {
      const error = new ApiError(reason, "what went wrong", { metadata: { field: "x" } });
      expect(error.code, reason).to.equal(connectCode(ERROR_CATALOGUE[reason].code));
      expect(error.httpStatus, reason).to.equal(ERROR_CATALOGUE[reason].http);
      expect(error.rawMessage).to.equal("what went wrong");
      const [info] = error.findDetails(ErrorInfoSchema);
      expect({ reason: info.reason, domain: info.domain, metadata: info.metadata }).to.deep.equal({ reason, domain: "commander", metadata: { field: "x" } });
    }
    expect(ERROR_DOMAIN).to.equal("commander");
  });

  it("keeps an ApiError a ConnectError, and does not take any ConnectError for an ApiError", () => {
    const error = new ApiError("PROJECT_NOT_FOUND", "no");
    expect(error).to.be.instanceOf(ConnectError);
    expect(ConnectError.from(error)).to.equal(error);
    expect(new ConnectError("no", Code.NotFound)).to.not.be.instanceOf(ApiError);
  });

  it("reads the reason of an error whether it was raised here or arrived over the wire", () => {
    expect(errorReasonOf(new ApiError("QUEUE_FULL", "full"))).to.equal("QUEUE_FULL");
    const wire = (domain: string, reason: string) => {
      const error = new ConnectError("x", Code.NotFound);
      error.details.push({ type: "google.rpc.ErrorInfo", value: toBinary(ErrorInfoSchema, create(ErrorInfoSchema, { reason, domain })) });
      return error;
    };
    expect(errorReasonOf(wire("commander", "WORK_NOT_FOUND"))).to.equal("WORK_NOT_FOUND");
    expect(errorReasonOf(wire("example.com", "WORK_NOT_FOUND")), "another domain").to.equal(undefined);
    expect(errorReasonOf(wire("commander", "NO_SUCH_REASON")), "not in the catalogue").to.equal(undefined);
    expect(errorReasonOf(new ConnectError("x", Code.Internal))).to.equal(undefined);
  });

  it("is the only import the domain makes outside itself, and imports nothing", async () => {
    const catalogue = await readFile(join(REPO_ROOT, "src", "errors", "error-catalogue.ts"), "utf8");
    expect(catalogue).to.not.match(/^import /m);
    const outside: string[] = [];
    const domainDir = join(REPO_ROOT, "src", "domain");
    for (const name of await readdir(domainDir)) {
      const text = await readFile(join(domainDir, name), "utf8");
      for (const [, from] of text.matchAll(/^(?:import|export)\b[^;]*?from "([^"]+)";/gms)) {
        if (!from.startsWith("./") && from !== "../errors/error-catalogue.js") outside.push(`${name}: ${from}`);
      }
    }
    expect(outside).to.deep.equal([]);
  });
});
