import { Code } from "@connectrpc/connect";

// grpc-gateway's mapping (runtime/errors.go HTTPStatusFromCode), so REST clients see the statuses they
// expect from any google.api.http gateway. One table for the whole daemon.
const statusByCode: Readonly<Record<Code, number>> = {
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
};

/** The HTTP status for a Connect error code. */
export function httpStatusFromCode(code: Code): number {
  return statusByCode[code] ?? 500;
}

// AIP-style success statuses, decided by the RPC's verb (AIP-133 Create, AIP-135 Delete): creating RPCs
// answer 201 Created, deleting ones 204 No Content with an empty body, everything else 200 OK.
const createdVerbs = /^(Create|Register|Add|Send)(?![a-z])/;
const deletedVerbs = /^(Delete|Unregister)(?![a-z])/;

/** The HTTP status of a successful REST call to the RPC with this name (`RegisterProject`, ...). */
export function successStatusForRpc(rpcName: string): 200 | 201 | 204 {
  if (createdVerbs.test(rpcName)) return 201;
  if (deletedVerbs.test(rpcName)) return 204;
  return 200;
}
