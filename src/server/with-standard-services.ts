import type { DescService } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { Health } from "../../gen/es/grpc/health/v1/health_pb.js";
import { ServerReflection } from "../../gen/es/grpc/reflection/v1/reflection_pb.js";
import { createGrpcHealthService } from "./grpc-health-service.js";
import { createReflectionService } from "./reflection-service.js";

/**
 * Wraps a routes function so that the router also serves gRPC health checking and server reflection,
 * both describing exactly the services the wrapped function registered (and themselves).
 */
export function withStandardServices(registerRoutes: (router: ConnectRouter) => void): (router: ConnectRouter) => void {
  return (router) => {
    registerRoutes(router);
    const services = new Map<string, DescService>();
    for (const handler of router.handlers) {
      services.set(handler.service.typeName, handler.service);
    }
    services.set(Health.typeName, Health);
    services.set(ServerReflection.typeName, ServerReflection);
    router.service(Health, createGrpcHealthService({ serviceNames: [...services.keys()] }));
    router.service(ServerReflection, createReflectionService({ services: [...services.values()] }));
  };
}
