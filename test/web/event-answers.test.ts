import { create } from "@bufbuild/protobuf";
import { expect } from "chai";
import { EventSchema, QuestionSchema } from "../../gen/es/commander/v1/event_pb.js";
import { allowAlwaysRules, planOptionLabel, planRejection, questionsResolution, resolvedByText, unansweredQuestion } from "../../src/web/event-answers.js";
import { questionAnswers } from "../../src/domain/question-answers.js";

// What the dashboard's question and plan cards send, checked against the daemon's own reading of it.

const colour = create(QuestionSchema, { question: "Colour?", header: "Colour", options: [{ label: "Red" }, { label: "Blue" }], multiSelect: false, freeTextAllowed: true });
const toppings = create(QuestionSchema, {
  question: "Toppings?",
  header: "Toppings",
  options: [{ label: "Cheese" }, { label: "Olives, black" }, { label: "2" }],
  multiSelect: true,
  freeTextAllowed: true,
});
const asked = [colour, toppings].map((q) => ({ question: q.question, header: q.header, options: q.options.map((o) => ({ label: o.label, description: "" })), multiSelect: q.multiSelect }));

describe("dashboard answers (src/web/event-answers.ts)", function () {
  it("sends several questions' answers as one JSON object the daemon reads as chosen, commas and all", function () {
    const resolution = questionsResolution([colour, toppings], [["Blue"], ["Cheese", "Olives, black"]], ["", "extra basil"]);
    expect(JSON.parse(resolution)).to.deep.equal({ 1: "Blue", 2: ["Cheese", "Olives, black", "extra basil"] });
    expect(questionAnswers(asked, resolution)).to.deep.equal({ "Colour?": "Blue", "Toppings?": "Cheese, Olives, black, extra basil" });
  });

  it("lets free text replace a single choice, and names the first question still unanswered", function () {
    expect(JSON.parse(questionsResolution([colour, toppings], [["Red"], ["Cheese"]], ["teal", ""]))).to.deep.equal({ 1: "teal", 2: ["Cheese"] });
    expect(unansweredQuestion([colour, toppings], [["Red"], []], ["", " "])?.header).to.equal("Toppings");
    expect(unansweredQuestion([colour, toppings], [[], []], ["", "basil"])?.header).to.equal("Colour");
    expect(unansweredQuestion([colour, toppings], [["Red"], []], ["", "basil"])).to.equal(undefined);
  });

  it("labels plan options and writes a rejection with its feedback", function () {
    expect(["approve", "approve:acceptEdits", "approve:auto", "reject"].map(planOptionLabel)).to.deep.equal([
      "Approve",
      "Approve and accept edits",
      "Approve and switch to auto",
      "Reject",
    ]);
    expect(planRejection("  ")).to.equal("reject");
    expect(planRejection(" add a test first\n")).to.equal("reject: add a test first");
  });

  it("lists the rules allow always adds, from Claude Code's addRules suggestions only", function () {
    const event = create(EventSchema, {
      context: {
        permission_suggestions: [
          { type: "addRules", behavior: "allow", rules: [{ toolName: "Bash", ruleContent: "npm test:*" }, { toolName: "Read" }, { ruleContent: "x" }] },
          { type: "setMode", mode: "acceptEdits" },
          { type: "addRules", behavior: "deny", rules: [{ toolName: "Bash", ruleContent: "rm *" }] },
          "junk",
        ],
      },
    });
    expect(allowAlwaysRules(event)).to.deep.equal(["Bash(npm test:*)", "Read"]);
    expect(allowAlwaysRules(create(EventSchema, {}))).to.deep.equal([]);
  });

  it("says who answered: a policy rule, an answer link, or nothing for a person", function () {
    expect(resolvedByText(create(EventSchema, { resolvedBy: "policy:Bash(npm test:*)" }))).to.equal("by the project's policy rule Bash(npm test:*)");
    expect(resolvedByText(create(EventSchema, { context: { resolved_via: "answer_link" } }))).to.equal("through an answer link in a notification");
    expect(resolvedByText(create(EventSchema, {}))).to.equal(undefined);
  });
});
