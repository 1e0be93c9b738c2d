import { expect } from "chai";
import { planAnswer } from "../../src/domain/plan-answer.js";

describe("answers to a plan (ExitPlanMode)", () => {
  const cases: Array<[string, ReturnType<typeof planAnswer>]> = [
    ["approve", { approve: true, mode: null }],
    ["Approve", { approve: true, mode: null }],
    ["allow", { approve: true, mode: null }],
    ["yes, go ahead", { approve: true, mode: null }],
    ["approve:acceptEdits", { approve: true, mode: "acceptEdits" }],
    ["approve: default", { approve: true, mode: "default" }],
    ["reject", { approve: false, feedback: "The user rejected the plan. Keep planning." }],
    ["reject: add tests first", { approve: false, feedback: "add tests first" }],
    ["deny: no", { approve: false, feedback: "no" }],
    ["Use a queue instead of polling.", { approve: false, feedback: "Use a queue instead of polling." }],
  ];
  for (const [resolution, answer] of cases) {
    it(`reads ${JSON.stringify(resolution)}`, () => expect(planAnswer(resolution)).to.deep.equal(answer));
  }

  it("refuses an unknown mode", () => {
    expect(() => planAnswer("approve:yolo")).to.throw(/unknown permission mode "yolo"/).with.property("reason", "INVALID_RESOLUTION");
  });
});
