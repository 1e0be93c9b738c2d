import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { expect } from "chai";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import { httpStatusFromCode, successStatusForRpc } from "../../src/gateway/http-status.js";
import { ApiError } from "../../src/errors/api-error.js";
import { asConnectError, restErrorStatus, restStatusJson } from "../../src/gateway/rest-errors.js";

describe("REST errors", () => {
  it("maps every code to grpc-gateway's HTTP status", () => {
    const expected: Array<[Code, number]> = [
      [Code.Canceled, 499], [Code.Unknown, 500], [Code.InvalidArgument, 400], [Code.DeadlineExceeded, 504],
      [Code.NotFound, 404], [Code.AlreadyExists, 409], [Code.PermissionDenied, 403], [Code.ResourceExhausted, 429],
      [Code.FailedPrecondition, 400], [Code.Aborted, 409], [Code.OutOfRange, 400], [Code.Unimplemented, 501],
      [Code.Internal, 500], [Code.Unavailable, 503], [Code.DataLoss, 500], [Code.Unauthenticated, 401],
    ];
    for (const [code, status] of expected) {
      expect(httpStatusFromCode(code), Code[code]).to.equal(status);
    }
  });

  it("answers 201 for creating RPCs, 204 for deleting ones and 200 otherwise", () => {
    for (const name of ["CreateSession", "RegisterProject", "AddWork", "SendMessage"]) {
      expect(successStatusForRpc(name), name).to.equal(201);
    }
    for (const name of ["DeleteSession", "UnregisterProject"]) {
      expect(successStatusForRpc(name), name).to.equal(204);
    }
    for (const name of ["GetProject", "ListWork", "Address", "Sender", "Deleted", "StartSession"]) {
      expect(successStatusForRpc(name), name).to.equal(200);
    }
  });

  it("renders an error of a catalogue reason as google.rpc.Status JSON with its ErrorInfo", () => {
    const error = new ApiError("UNKNOWN_FIELD", 'unknown field "x"', { metadata: { field: "x" } });
    expect(restStatusJson(error)).to.deep.equal({
      code: 3,
      message: 'unknown field "x"',
      details: [
        { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "UNKNOWN_FIELD", domain: "commander", metadata: { field: "x" } },
      ],
    });
    expect(restErrorStatus(error)).to.equal(400);
    expect(restErrorStatus(new ApiError("BODY_TOO_LARGE", "big"))).to.equal(413);
  });

  it("answers the catalogue's HTTP status of a reason that crossed a transport as a plain ConnectError", () => {
    const info = create(ErrorInfoSchema, { reason: "UNSUPPORTED_MEDIA_TYPE", domain: "commander" });
    const error = new ConnectError("no", Code.InvalidArgument);
    error.details.push({ type: "google.rpc.ErrorInfo", value: toBinary(ErrorInfoSchema, info) });
    expect(restErrorStatus(error)).to.equal(415);
    const foreign = new ConnectError("no", Code.InvalidArgument);
    foreign.details.push({ type: "google.rpc.ErrorInfo", value: toBinary(ErrorInfoSchema, create(ErrorInfoSchema, { ...info, domain: "example.com" })) });
    expect(restErrorStatus(foreign), "another domain's reason").to.equal(400);
  });

  it("renders details received from the wire, and drops unknown ones", () => {
    const info = create(ErrorInfoSchema, { reason: "PROJECT_NOT_FOUND", domain: "commander", metadata: { id: "p1" } });
    const badRequest = create(BadRequestSchema, { fieldViolations: [{ field: "path", description: "empty" }] });
    const error = new ConnectError("project p1 not found", Code.NotFound);
    error.details.push(
      { type: "google.rpc.ErrorInfo", value: toBinary(ErrorInfoSchema, info) },
      { type: "google.rpc.BadRequest", value: toBinary(BadRequestSchema, badRequest) },
      { type: "example.Unknown", value: new Uint8Array([1, 2]) },
    );
    const json = restStatusJson(error);
    expect(json.message).to.equal("project p1 not found");
    expect(json.details).to.have.length(2);
    expect(json.details[0]).to.deep.equal({
      "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "PROJECT_NOT_FOUND", domain: "commander", metadata: { id: "p1" },
    });
    expect(json.details[1]).to.deep.include({ "@type": "type.googleapis.com/google.rpc.BadRequest" });
  });

  it("turns an unexpected exception into a generic INTERNAL and reports it", () => {
    const reported: unknown[] = [];
    const secret = new TypeError("cannot read properties of undefined (reading 'secret')");
    const error = asConnectError(secret, (reason) => reported.push(reason));
    expect(error.code).to.equal(Code.Internal);
    expect(restStatusJson(error)).to.deep.equal({
      code: 13,
      message: "internal error",
      details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "INTERNAL", domain: "commander", metadata: {} }],
    });
    expect(reported).to.deep.equal([secret]);
    const known = new ConnectError("gone", Code.NotFound);
    expect(asConnectError(known, (reason) => reported.push(reason))).to.equal(known);
    expect(reported).to.have.length(1);
  });
});
