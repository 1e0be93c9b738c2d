// How a human's answer to an approval event becomes the agent's allow/deny decision. `allow` and `deny`
// are the options; free text (the usage guide resolves with "User approved action") counts as approval
// only when every word of it belongs to a small approving vocabulary. Anything else — a negation, a
// hesitation ("ok... actually wait"), a mixed answer ("yes but no") — denies, and the text is passed to
// the agent as the reason, so an unclear answer never lets a command run.

export interface ApprovalDecision {
  behavior: "allow" | "deny";
  message: string;
}

/** Words that approve on their own; at least one must be present. */
const APPROVING_WORDS = new Set([
  "allow", "allowed", "approve", "approved", "approves", "yes", "y", "ok", "okay", "accept", "accepted", "accepts",
  "confirm", "confirmed", "confirms", "proceed", "sure", "lgtm", "go",
]);
/** Words that may accompany an approval without changing its meaning ("User approved the action, please go ahead"). */
const NEUTRAL_WORDS = new Set(["user", "the", "action", "request", "command", "it", "this", "please", "ahead"]);

export function decideApproval(resolution: string): ApprovalDecision {
  const text = resolution.trim();
  if (text.toLowerCase() === "allow") return { behavior: "allow", message: "" };
  if (text.toLowerCase() === "deny") return { behavior: "deny", message: "Denied by the user through Commander." };
  return { behavior: clearlyApproves(text) ? "allow" : "deny", message: text };
}

function clearlyApproves(text: string): boolean {
  // One closing "." or "!" is punctuation; "..." or "?" is hesitation and is not removed.
  const words = text.toLowerCase().replace(/(?<!\.)[.!]$/, "").split(/[\s,]+/).filter((word) => word !== "");
  if (words.length === 0) return false;
  return words.every((word) => APPROVING_WORDS.has(word) || NEUTRAL_WORDS.has(word)) && words.some((word) => APPROVING_WORDS.has(word));
}
