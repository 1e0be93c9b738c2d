import { decideApproval } from "./approval-decision.js";
import { CommanderError } from "./commander-error.js";
import { PERMISSION_MODES } from "./project-settings.js";

// How a person answers a plan (Claude Code's ExitPlanMode): `approve` (or `allow`, `yes`, ...) lets the
// agent leave plan mode and carry on; `approve:<mode>` also switches the session to that permission mode
// (`approve:acceptEdits`); `reject`, or `reject: <feedback>`, or any other text, sends the plan back with
// the text as feedback for the model.

export const PLAN_OPTIONS = ["approve", "approve:acceptEdits", "reject"] as const;

export type PlanAnswer = { approve: true; mode: string | null } | { approve: false; feedback: string };

export function planAnswer(resolution: string): PlanAnswer {
  const text = resolution.trim();
  const approve = /^(?:approve|allow)(?:\s*:\s*(\S+))?$/i.exec(text);
  if (approve) {
    const mode = approve[1] ?? null;
    if (mode !== null && !(PERMISSION_MODES as readonly string[]).includes(mode)) {
      throw new CommanderError("INVALID_RESOLUTION", `resolution: unknown permission mode ${JSON.stringify(mode)}; one of ${PERMISSION_MODES.join(", ")}`, {
        field: "resolution",
      });
    }
    return { approve: true, mode };
  }
  const reject = /^(?:reject|deny)(?:\s*:\s*([\s\S]*))?$/i.exec(text);
  if (reject) {
    const feedback = reject[1]?.trim() ?? "";
    return { approve: false, feedback: feedback === "" ? "The user rejected the plan. Keep planning." : feedback };
  }
  return decideApproval(text).behavior === "allow" ? { approve: true, mode: null } : { approve: false, feedback: text };
}
