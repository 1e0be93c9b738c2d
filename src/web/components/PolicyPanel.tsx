import { useEffect, useState } from "preact/hooks";
import { type PolicyRule, PolicyAction, type Project } from "../../../gen/es/commander/v1/project_pb.js";
import { api } from "../api-client.js";
import { ago } from "../labels.js";
import { useAction } from "../use-action.js";
import { ErrorLine } from "./ErrorLine.js";

const actionWord = (action: PolicyAction) => (action === PolicyAction.DENY ? "deny" : action === PolicyAction.ALLOW ? "allow" : "any");

/**
 * The project's policy: allow and deny rules in Claude Code's rule syntax that answer permission requests
 * at once. Listed in the order they were added; added and removed here (deny wins over allow).
 */
export function PolicyPanel({ project }: { project: Project }) {
  const [rules, setRules] = useState<PolicyRule[] | undefined>(undefined);
  const [rule, setRule] = useState("");
  const [kind, setKind] = useState<PolicyAction>(PolicyAction.ALLOW);
  const load = useAction();
  const change = useAction();
  useEffect(() => {
    void load.run(async () => setRules((await api.projects.listPolicyRules({ projectId: project.id })).rules));
    // An "allow always" answered elsewhere changes the project, and with it the policy.
  }, [project.id, project.policy?.rules.length]);
  return (
    <section aria-labelledby="policy-heading">
      <h2 id="policy-heading">Policy</h2>
      <p class="small">Permission requests a rule matches are answered at once; deny wins over allow; questions and plans always ask.</p>
      {rules === undefined ? (
        load.error !== undefined ? <ErrorLine error={load.error} /> : <p class="empty">Loading…</p>
      ) : rules.length === 0 ? (
        <p class="empty">No rules: every permission request asks you.</p>
      ) : (
        <ul class="work-list" aria-label="Policy rules">
          {rules.map((entry) => (
            <li key={`${entry.action}:${entry.rule}`} class="work row policy-rule">
              <span class={`tag policy-${actionWord(entry.action)}`}>{actionWord(entry.action)}</span>
              <code class="agent-text-inline">{entry.rule}</code>
              <span class="small">
                {entry.source} {ago(entry.createdAt)}
              </span>
              <button
                type="button"
                class="quiet"
                disabled={change.busy}
                aria-label={`Remove ${actionWord(entry.action)} rule ${entry.rule}`}
                onClick={() => change.run(async () => setRules((await api.projects.removePolicyRule({ projectId: project.id, rule: entry.rule, action: entry.action })).rules))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        class="form"
        onSubmit={async (e) => {
          e.preventDefault();
          const ok = await change.run(async () => setRules((await api.projects.addPolicyRule({ projectId: project.id, rule: rule.trim(), action: kind })).rules));
          if (ok) setRule("");
        }}
      >
        <label for="policy-rule">New rule, e.g. Bash(npm test:*), Read(src/**), WebFetch(domain:example.com)</label>
        <div class="row">
          <select aria-label="Rule action" value={String(kind)} disabled={change.busy} onChange={(e) => setKind(Number(e.currentTarget.value) as PolicyAction)}>
            <option value={String(PolicyAction.ALLOW)}>allow</option>
            <option value={String(PolicyAction.DENY)}>deny</option>
          </select>
          <input id="policy-rule" value={rule} disabled={change.busy} onInput={(e) => setRule(e.currentTarget.value)} />
          <button type="submit" disabled={change.busy || rule.trim() === ""}>
            Add rule
          </button>
        </div>
        <ErrorLine error={change.error} />
      </form>
    </section>
  );
}
