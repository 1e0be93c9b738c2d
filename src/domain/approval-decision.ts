// How a human's answer to an approval event becomes the agent's allow/deny decision. `allow` and `deny`
// are the options; free text (the usage guide resolves with "User approved action") counts as approval
// only when it clearly approves and contains no negation. Anything else denies, and the text is passed
// to the agent as the reason, so an unclear answer never lets a command run.

export interface ApprovalDecision {
  behavior: "allow" | "deny";
  message: string;
}

const APPROVING = /\b(allow|allowed|approve|approved|yes|y|ok|okay|accept|accepted|confirm|confirmed|proceed|go ahead)\b/i;
const NEGATING = /\b(deny|denied|reject|rejected|refuse|refused|decline|declined|no|not|don't|do not|never|stop)\b/i;

export function decideApproval(resolution: string): ApprovalDecision {
  const text = resolution.trim();
  if (text.toLowerCase() === "allow") return { behavior: "allow", message: "" };
  if (text.toLowerCase() === "deny") return { behavior: "deny", message: "Denied by the user through Commander." };
  if (APPROVING.test(text) && !NEGATING.test(text)) return { behavior: "allow", message: text };
  return { behavior: "deny", message: text };
}
