import type { CommanderState } from "../domain/commander-state.js";
import type { DomainContext } from "../domain/domain-context.js";
import { CommanderError } from "../domain/commander-error.js";
import { parseTarget, targetNotFound, targetSettings, type NotificationTarget } from "./notification-target.js";

/** Every target: the config file's first, then those added through the API (stored in the state). */
export function allTargets(configTargets: readonly NotificationTarget[], state: CommanderState): NotificationTarget[] {
  const targets = [...configTargets];
  for (const record of state.collections.notification_targets.values()) {
    try {
      targets.push(parseTarget(record.settings, "", "api"));
    } catch {
      // A stored target that no longer validates is skipped rather than stopping every notification.
    }
  }
  return targets;
}

export function addTarget(ctx: DomainContext, configTargets: readonly NotificationTarget[], target: NotificationTarget): void {
  if (allTargets(configTargets, ctx.state).some((other) => other.name === target.name)) {
    throw new CommanderError("NOTIFICATION_TARGET_ALREADY_EXISTS", `notification target ${JSON.stringify(target.name)} already exists`, { name: target.name });
  }
  ctx.tx.put("notification_targets", { id: target.name, settings: targetSettings(target), createdAt: ctx.now });
}

/** Removes an API target and drops its undelivered notifications (nobody would receive them). */
export function removeTarget(ctx: DomainContext, configTargets: readonly NotificationTarget[], name: string): NotificationTarget {
  if (configTargets.some((target) => target.name === name)) {
    throw new CommanderError("NOTIFICATION_TARGET_FROM_CONFIG", `notification target ${JSON.stringify(name)} comes from the config file; remove it there`, { name });
  }
  const target = allTargets([], ctx.state).find((other) => other.name === name);
  if (!target) throw targetNotFound(name);
  ctx.tx.delete("notification_targets", name);
  for (const record of [...ctx.state.collections.outbox.values()]) {
    if (record.target === name && record.state === "pending") ctx.tx.delete("outbox", record.id);
  }
  return target;
}
