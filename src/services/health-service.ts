import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  AcknowledgeProblemsResponseSchema,
  GetHealthResponseSchema,
  HealthProblemSchema,
  HealthService,
} from "../../gen/es/commander/v1/health_service_pb.js";
import type { HealthBook, HealthProblemRecord } from "../app/health-book.js";

export function createHealthService({ health, version }: { health: HealthBook; version: string }): ServiceImpl<typeof HealthService> {
  const toProblem = (problem: HealthProblemRecord) =>
    create(HealthProblemSchema, {
      code: problem.code,
      message: problem.message,
      occurredAt: timestampFromDate(new Date(problem.occurredAt)),
    });
  return {
    getHealth() {
      return create(GetHealthResponseSchema, { status: health.status, version, problems: health.list().map(toProblem) });
    },
    acknowledgeProblems() {
      return create(AcknowledgeProblemsResponseSchema, { acknowledged: health.acknowledge().map(toProblem) });
    },
  };
}
