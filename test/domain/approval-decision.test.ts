import { expect } from "chai";
import { decideApproval } from "../../src/domain/approval-decision.js";

// [resolution, expected behaviour]: only clear approvals allow; negations, hesitations and mixed answers deny.
const CASES: Array<[string, "allow" | "deny"]> = [
  ["allow", "allow"],
  ["ALLOW", "allow"],
  ["User approved action", "allow"],
  ["User confirmed action", "allow"],
  ["yes", "allow"],
  ["Yes.", "allow"],
  ["y", "allow"],
  ["ok", "allow"],
  ["Okay!", "allow"],
  ["approve", "allow"],
  ["yes, go ahead", "allow"],
  ["proceed please", "allow"],
  ["deny", "deny"],
  ["Deny", "deny"],
  ["no", "deny"],
  ["No.", "deny"],
  ["don't", "deny"],
  ["do not allow", "deny"],
  ["not approved", "deny"],
  ["never", "deny"],
  ["stop", "deny"],
  ["rejected", "deny"],
  ["ok... actually wait", "deny"],
  ["ok...", "deny"],
  ["yes?", "deny"],
  ["yes but no", "deny"],
  ["yes, no", "deny"],
  ["allow? deny", "deny"],
  ["wait", "deny"],
  ["maybe", "deny"],
  ["user", "deny"],
  ["the action", "deny"],
  ["", "deny"],
  ["   ", "deny"],
  ["yes; rm -rf /", "deny"],
];

describe("approval decision", () => {
  for (const [resolution, expected] of CASES) {
    it(`${expected === "allow" ? "allows" : "denies"} on ${JSON.stringify(resolution)}`, () => {
      expect(decideApproval(resolution).behavior).to.equal(expected);
    });
  }

  it("passes free text to the agent as the reason", () => {
    expect(decideApproval("no, use the staging database").message).to.equal("no, use the staging database");
  });

  it("gives a plain deny a reason the agent can show", () => {
    expect(decideApproval("deny").message).to.not.equal("");
  });
});
