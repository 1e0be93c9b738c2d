import { invalidField } from "./commander-error.js";
import type { DomainContext } from "./domain-context.js";
import { getProject } from "./project-rules.js";
import type { ProjectRecord } from "./records.js";
import { limitLength } from "./validate-fields.js";

// The per-project agent settings: Claude Code's permission mode, model and permission-hook timeout. They are read when the agent
// starts, so a change applies from its next start.

/** The modes Claude Code 2.1.33x accepts for `--permission-mode` (`manual` is its name for `default`). */
export const PERMISSION_MODES = ["default", "manual", "acceptEdits", "auto", "plan", "dontAsk", "bypassPermissions"] as const;

/** The fields UpdateProject may change (AIP-134 mask paths). */
export const UPDATABLE_PROJECT_FIELDS = ["name", "permission_mode", "model", "permission_timeout_seconds"] as const;
export type UpdatableProjectField = (typeof UPDATABLE_PROJECT_FIELDS)[number];

export interface ProjectSettingsPatch {
  name?: string;
  permissionMode?: string;
  model?: string;
  permissionTimeoutSeconds?: number;
}

/**
 * The longest permission-hook wait a project may set. Claude Code documents no maximum for a hook's
 * `timeout`; a day bounds a typo without limiting any real use.
 */
export const MAX_PERMISSION_TIMEOUT_SECONDS = 86_400;

/** 0 (the daemon's `claude_permission_timeout`) or a whole number of seconds from 1 to a day. */
export function validPermissionTimeout(seconds: number, field = "permission_timeout_seconds"): number {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_PERMISSION_TIMEOUT_SECONDS) {
    throw invalidField(field, `must be 0 (the daemon's claude_permission_timeout) or whole seconds from 1 to ${MAX_PERMISSION_TIMEOUT_SECONDS}; got ${seconds}`);
  }
  return seconds;
}

/** "" (the default) or one of Claude Code's modes; anything else is an invalid `field`. */
export function validPermissionMode(mode: string, field = "permission_mode"): string {
  const trimmed = mode.trim();
  if (trimmed !== "" && !(PERMISSION_MODES as readonly string[]).includes(trimmed)) {
    throw invalidField(field, `unknown permission mode ${JSON.stringify(trimmed)}; one of ${PERMISSION_MODES.join(", ")}`);
  }
  return trimmed;
}

/** "" (the default) or a model name as Claude Code's `--model` takes it (an alias or a full name). */
export function validModel(model: string, field = "model"): string {
  const trimmed = model.trim();
  if (trimmed !== "" && !/^[A-Za-z0-9][A-Za-z0-9._:\[\]-]{0,99}$/.test(trimmed)) {
    throw invalidField(field, `${JSON.stringify(trimmed)} is not a model name (letters, digits, '.', '-', '_', ':', '[', ']')`);
  }
  return trimmed;
}

/** Checks update-mask paths: each must be one of the updatable fields, once. */
export function validUpdateMask(paths: readonly string[]): UpdatableProjectField[] {
  const seen = new Set<string>();
  for (const path of paths) {
    if (!(UPDATABLE_PROJECT_FIELDS as readonly string[]).includes(path)) {
      throw invalidField("update_mask", `${JSON.stringify(path)} cannot be changed; updatable: ${UPDATABLE_PROJECT_FIELDS.join(", ")}`);
    }
    if (seen.has(path)) throw invalidField("update_mask", `${JSON.stringify(path)} is named twice`);
    seen.add(path);
  }
  return [...seen] as UpdatableProjectField[];
}

export function updateProjectSettings(ctx: DomainContext, projectId: string, patch: ProjectSettingsPatch): ProjectRecord {
  const project = getProject(ctx.state, projectId);
  const updated: ProjectRecord = { ...project };
  if (patch.name !== undefined) {
    if (patch.name.trim() === "") throw invalidField("project.name", "must not be empty");
    updated.name = limitLength("project.name", patch.name.trim(), 200);
  }
  if (patch.permissionMode !== undefined) updated.permissionMode = validPermissionMode(patch.permissionMode, "project.permission_mode");
  if (patch.model !== undefined) updated.model = validModel(patch.model, "project.model");
  if (patch.permissionTimeoutSeconds !== undefined) {
    updated.permissionTimeoutSeconds = validPermissionTimeout(patch.permissionTimeoutSeconds, "project.permission_timeout_seconds");
  }
  ctx.tx.put("projects", updated);
  ctx.tx.change("project_changed", projectId, { type: "project", record: updated });
  return updated;
}
