import { create } from "@bufbuild/protobuf";
import {
  BudgetSchema,
  ChangedFileSchema,
  TokenCountsSchema,
  UsageTotalsSchema,
  WorkUsageSchema,
  type Budget,
  type TokenCounts,
  type UsageTotals,
  type WorkUsage,
} from "../../../gen/es/commander/v1/usage_pb.js";
import type { BudgetRecord, TokenCountsRecord, WorkUsageRecord } from "../../domain/records.js";
import type { UsageTotalsRecord } from "../../domain/usage-rules.js";

export function toTokenCounts(tokens: TokenCountsRecord): TokenCounts {
  return create(TokenCountsSchema, {
    input: BigInt(tokens.input),
    output: BigInt(tokens.output),
    cacheCreation: BigInt(tokens.cacheCreation),
    cacheRead: BigInt(tokens.cacheRead),
  });
}

export function toWorkUsage(usage: WorkUsageRecord): WorkUsage {
  return create(WorkUsageSchema, {
    tokens: usage.tokens ? toTokenCounts(usage.tokens) : undefined,
    tokensMissingReason: usage.tokensMissingReason ?? undefined,
    models: usage.models,
    modelCalls: usage.modelCalls,
    toolUses: usage.toolUses,
    costUsd: usage.costUsd ?? undefined,
    costMissingReason: usage.costMissingReason ?? undefined,
    wallTimeMs: BigInt(usage.wallTimeMs),
    waitingTimeMs: BigInt(usage.waitingTimeMs),
    changedFiles: (usage.changedFiles ?? []).map((file) => create(ChangedFileSchema, file)),
    changedFilesMissingReason: usage.changedFilesMissingReason ?? undefined,
  });
}

export function toUsageTotals(totals: UsageTotalsRecord): UsageTotals {
  return create(UsageTotalsSchema, {
    tokens: toTokenCounts(totals.tokens),
    costUsd: totals.costUsd,
    workItems: totals.workItems,
    workItemsWithoutCost: totals.workItemsWithoutCost,
    modelCalls: totals.modelCalls,
    toolUses: totals.toolUses,
    wallTimeMs: BigInt(totals.wallTimeMs),
    waitingTimeMs: BigInt(totals.waitingTimeMs),
  });
}

export function toBudget(budget: BudgetRecord): Budget {
  return create(BudgetSchema, {
    dailyUsd: budget.dailyUsd ?? undefined,
    totalUsd: budget.totalUsd ?? undefined,
    dailyTokens: budget.dailyTokens === null ? undefined : BigInt(budget.dailyTokens),
    totalTokens: budget.totalTokens === null ? undefined : BigInt(budget.totalTokens),
  });
}

export function fromBudget(budget: Budget | undefined): BudgetRecord {
  return {
    dailyUsd: budget?.dailyUsd ?? null,
    totalUsd: budget?.totalUsd ?? null,
    dailyTokens: budget?.dailyTokens === undefined ? null : Number(budget.dailyTokens),
    totalTokens: budget?.totalTokens === undefined ? null : Number(budget.totalTokens),
  };
}
