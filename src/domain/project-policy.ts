import { CommanderError, invalidField } from "./commander-error.js";
import type { DomainContext } from "./domain-context.js";
import { matchesPermissionRule, parsePermissionRule, type PermissionRequestFacts, type PermissionRule } from "./permission-rule.js";
import { getProject } from "./project-rules.js";
import type { CommanderState } from "./commander-state.js";
import type { PolicyAction, PolicyRuleRecord, ProjectRecord } from "./records.js";

// A project's permission policy: allow and deny rules in Claude Code's rule syntax that answer the
// agent's permission requests at once. Deny wins over allow; a request no rule matches asks a person.

/** At most this many rules per project: each request is matched against all of them. */
export const MAX_POLICY_RULES = 500;

export interface PolicyVerdict {
  action: PolicyAction;
  /** The rule that decided, as written. */
  rule: string;
}

export function policyRules(state: CommanderState, projectId: string): PolicyRuleRecord[] {
  return getProject(state, projectId).policy ?? [];
}

/** The verdict of a project's policy on a request, or null when no rule matches. */
export function decidePolicy(project: ProjectRecord, request: Omit<PermissionRequestFacts, "projectPath">): PolicyVerdict | null {
  const facts = { ...request, projectPath: project.path };
  const rules = Array.isArray(project.policy) ? project.policy : [];
  for (const action of ["deny", "allow"] as const) {
    for (const record of rules) {
      if (record.action !== action) continue;
      if (matchesPermissionRule(parsed(record.rule), facts, action === "deny")) return { action, rule: record.rule };
    }
  }
  return null;
}

/** A stored rule that no longer parses (written by hand) matches nothing. */
function parsed(rule: string): PermissionRule {
  try {
    return parsePermissionRule(rule);
  } catch {
    return { text: rule, tool: "", content: null };
  }
}

/** Adds rules (already there with the same action: unchanged); returns the project's rules. */
export function addPolicyRules(
  ctx: DomainContext,
  projectId: string,
  additions: ReadonlyArray<{ rule: string; action: PolicyAction | null }>,
  source: string,
): PolicyRuleRecord[] {
  const project = getProject(ctx.state, projectId);
  const rules = [...(project.policy ?? [])];
  for (const addition of additions) {
    if (addition.action !== "allow" && addition.action !== "deny") throw invalidField("action", "must be allow or deny");
    const rule = parsePermissionRule(addition.rule).text;
    if (rules.some((existing) => existing.rule === rule && existing.action === addition.action)) continue;
    if (rules.length >= MAX_POLICY_RULES) throw invalidField("rule", `the project's policy already has ${MAX_POLICY_RULES} rules`);
    rules.push({ rule, action: addition.action, source, createdAt: ctx.now });
  }
  if (rules.length !== (project.policy ?? []).length) saveRules(ctx, project, rules);
  return rules;
}

/** Removes a rule (of one action, or of either when `action` is null); returns the project's rules. */
export function removePolicyRule(ctx: DomainContext, projectId: string, ruleText: string, action: PolicyAction | null): PolicyRuleRecord[] {
  const project = getProject(ctx.state, projectId);
  if (ruleText.trim() === "") throw invalidField("rule", "must not be empty");
  const rule = ruleText.trim();
  const rules = (project.policy ?? []).filter((existing) => !(existing.rule === rule && (action === null || existing.action === action)));
  if (rules.length === (project.policy ?? []).length) {
    throw new CommanderError("POLICY_RULE_NOT_FOUND", `project ${projectId} has no ${action === null ? "" : `${action} `}rule ${JSON.stringify(rule)}`, {
      project_id: projectId,
      rule,
    });
  }
  saveRules(ctx, project, rules);
  return rules;
}

function saveRules(ctx: DomainContext, project: ProjectRecord, rules: PolicyRuleRecord[]): void {
  const saved = { ...project, policy: rules, lastActivity: ctx.now };
  ctx.tx.put("projects", saved);
  ctx.tx.change("project_changed", project.id, { type: "project", record: saved });
}
