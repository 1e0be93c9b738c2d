import type { Command } from "commander";
import { PolicyAction, PolicyActionSchema, type PolicyRule } from "../../../gen/es/commander/v1/project_pb.js";
import { ProjectService } from "../../../gen/es/commander/v1/project_service_pb.js";
import type { CliContext } from "../cli-context.js";
import { addExamples, addJsonOption, printResponse } from "../command-helpers.js";
import { enumWord } from "../enum-word.js";
import type { Output } from "../create-output.js";
import { renderTable } from "../render-table.js";
import { UsageError } from "../usage-error.js";

// `commander policy`: a project's allow and deny rules, in Claude Code's rule syntax.

export function registerPolicyCommand(program: Command, ctx: CliContext): void {
  const policy = addExamples(
    program.command("policy").description("rules that answer an agent's permission requests without asking (deny wins over allow)"),
    "commander policy list my-project",
    'commander policy allow my-project "Bash(npm test:*)"',
    'commander policy deny my-project "Bash(rm:*)"',
  );
  const methods = ProjectService.method;

  addExamples(
    addJsonOption(policy.command("list").alias("ls").description("list a project's rules").argument("<project-id>")),
    "commander policy list my-project",
  ).action(async (projectId: string, opts: { json?: boolean }) => {
    const res = await ctx.clients().of(ProjectService).listPolicyRules({ projectId });
    printResponse(ctx, opts, methods.listPolicyRules, res, (res) => (res.rules.length === 0 ? "No rules: every request asks." : ruleTable(res.rules, ctx.output)));
  });

  for (const [name, action] of [["allow", PolicyAction.ALLOW], ["deny", PolicyAction.DENY]] as const) {
    addExamples(
      addJsonOption(
        policy
          .command(name)
          .description(`add a rule whose matching requests are ${name === "allow" ? "allowed" : "denied"} at once`)
          .argument("<project-id>")
          .argument("<rule>", "Claude Code's rule syntax: Bash(npm test:*), Read, Edit(src/**), WebFetch(domain:example.com)"),
      ),
      `commander policy ${name} my-project "${name === "allow" ? "Bash(npm test:*)" : "Bash(rm:*)"}"`,
    ).action(async (projectId: string, rule: string, opts: { json?: boolean }) => {
      const res = await ctx.clients().of(ProjectService).addPolicyRule({ projectId, rule, action });
      printResponse(ctx, opts, methods.addPolicyRule, res, (res) => `${name === "allow" ? "Allowing" : "Denying"} ${rule} in ${projectId} (${res.rules.length} rules)`);
    });
  }

  addExamples(
    addJsonOption(
      policy
        .command("remove")
        .alias("rm")
        .description("remove a rule")
        .argument("<project-id>")
        .argument("<rule>", "the rule as listed")
        .option("--action <action>", "only the allow or the deny rule (default: either)"),
    ),
    'commander policy remove my-project "Bash(npm test:*)"',
  ).action(async (projectId: string, rule: string, opts: { action?: string; json?: boolean }) => {
    const action = opts.action === undefined ? PolicyAction.UNSPECIFIED : opts.action === "allow" ? PolicyAction.ALLOW : opts.action === "deny" ? PolicyAction.DENY : undefined;
    if (action === undefined) throw new UsageError(`--action must be allow or deny, not ${JSON.stringify(opts.action)}`);
    const res = await ctx.clients().of(ProjectService).removePolicyRule({ projectId, rule, action });
    printResponse(ctx, opts, methods.removePolicyRule, res, (res) => `Removed ${rule} from ${projectId} (${res.rules.length} rules left)`);
  });
}

function ruleTable(rules: PolicyRule[], output: Output): string {
  return renderTable(
    [{ header: "ACTION" }, { header: "RULE", flex: true }, { header: "SOURCE" }],
    rules.map((rule) => [enumWord(PolicyActionSchema, rule.action), rule.rule, rule.source]),
    { width: output.width, color: output.color },
  );
}
