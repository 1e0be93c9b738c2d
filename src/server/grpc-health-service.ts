import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthCheckResponseSchema,
} from "../../gen/es/grpc/health/v1/health_pb.js";

export interface GrpcHealthServiceOptions {
  /** Fully-qualified names of the services this server serves. */
  readonly serviceNames: Iterable<string>;
}

/**
 * The standard `grpc.health.v1.Health` service (grpc/health/v1/health.proto), so that load balancers,
 * `grpc-health-probe` and `grpcurl` can check the daemon. The daemon serves every registered service as
 * long as it runs, so each one, and the server as a whole (`""`), is SERVING; any other name is NOT_FOUND
 * for Check and SERVICE_UNKNOWN for Watch, as the protocol says.
 */
export function createGrpcHealthService(options: GrpcHealthServiceOptions): ServiceImpl<typeof Health> {
  const names = new Set(options.serviceNames);
  const known = (service: string) => service === "" || names.has(service);
  return {
    check(request) {
      if (!known(request.service)) {
        throw new ConnectError(`unknown service ${request.service}`, Code.NotFound);
      }
      return { status: ServingStatus.SERVING };
    },
    async *watch(request, context) {
      const status = known(request.service) ? ServingStatus.SERVING : ServingStatus.SERVICE_UNKNOWN;
      yield { status };
      // The status never changes while the server runs: hold the stream until cancel or shutdown.
      await untilAborted(context);
    },
    list() {
      const statuses = Object.fromEntries(
        [...names].map((name) => [name, create(HealthCheckResponseSchema, { status: ServingStatus.SERVING })]),
      );
      return { statuses };
    },
  };
}

function untilAborted(context: HandlerContext): Promise<never> {
  const { signal } = context;
  return new Promise((_, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}
