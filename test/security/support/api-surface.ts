import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { AgentHookService } from "../../../gen/es/commander/v1/agent_hook_service_pb.js";
import { NotificationService } from "../../../gen/es/commander/v1/notification_service_pb.js";
import { Health } from "../../../gen/es/grpc/health/v1/health_pb.js";
import { ServerReflection } from "../../../gen/es/grpc/reflection/v1/reflection_pb.js";
import { COMMANDER_SERVICES } from "../../support/commander-services.js";
import { createRouteTable } from "../../../src/gateway/route-table.js";

// The daemon's whole API surface, read from the proto (the same annotations the gateway routes by), so
// a route or RPC added later is covered by the security tests without editing them.

export { COMMANDER_SERVICES };

/** Every service the daemon serves: Commander's own, gRPC health and reflection. */
export const ALL_SERVICES: readonly DescService[] = [...COMMANDER_SERVICES, Health, ServerReflection];

export interface RpcCase {
  readonly method: DescMethod;
  /** `/<package.Service>/<Method>` */
  readonly path: string;
  readonly streaming: boolean;
}

export function rpcCases(): RpcCase[] {
  return ALL_SERVICES.flatMap((service) =>
    service.methods.map((method) => ({
      method,
      path: `/${service.typeName}/${method.name}`,
      streaming: method.methodKind !== "unary",
    })),
  );
}

export interface RestCase {
  readonly httpMethod: string;
  /** The annotation's template, e.g. `/api/projects/{project_id}`. */
  readonly template: string;
  readonly method: DescMethod;
  readonly hasBody: boolean;
  readonly streaming: boolean;
  /** The path with each variable replaced by `values[name]`, else by `fallback`. */
  path(values?: Record<string, string>, fallback?: string): string;
}

export function restCases(): RestCase[] {
  const table = createRouteTable(COMMANDER_SERVICES.flatMap((service) => service.methods));
  return table.routes.map((route) => ({
    httpMethod: route.httpMethod,
    template: route.template.source,
    method: route.method,
    hasBody: route.body !== "",
    streaming: route.method.methodKind !== "unary",
    path: (values = {}, fallback = "x-1") =>
      route.template.source.replace(/\{([^}=]+)(?:=[^}]*)?\}/g, (_, name: string) => encodeURIComponent(values[name] ?? fallback)),
  }));
}

export const isHookMethod = (method: DescMethod) => method.parent.typeName === AgentHookService.typeName;

/** Answer links are their own capability (src/notify/answer-links.ts): these two take no API token, by design. */
export const isAnswerLinkMethod = (method: DescMethod) =>
  method.parent.typeName === NotificationService.typeName && (method.name === "DescribeAnswerLink" || method.name === "UseAnswerLink");
