import { expect } from "chai";
import { askedQuestions, normaliseQuestionAnswer, questionAnswers } from "../../src/domain/question-answers.js";

const COLOUR = {
  question: "Which colour?",
  header: "Colour",
  multiSelect: false,
  options: [
    { label: "Red", description: "warm" },
    { label: "Blue", description: "cool" },
  ],
};
const TOPPINGS = {
  question: "Which toppings?",
  header: "Toppings",
  multiSelect: true,
  options: [
    { label: "Cheese", description: "" },
    { label: "Olives", description: "" },
    { label: "Basil", description: "" },
  ],
};
const one = askedQuestions({ questions: [COLOUR] });
const multi = askedQuestions({ questions: [TOPPINGS] });
const both = askedQuestions({ questions: [COLOUR, TOPPINGS] });

describe("answers to Claude's questions (AskUserQuestion)", () => {
  const cases: Array<[string, ReturnType<typeof askedQuestions>, string, Record<string, string>]> = [
    ["a label", one, "Blue", { "Which colour?": "Blue" }],
    ["a label in another case", one, "blue", { "Which colour?": "Blue" }],
    ["a number", one, "1", { "Which colour?": "Red" }],
    ["free text", one, "Green, please", { "Which colour?": "Green, please" }],
    ["several labels of a multi-select question", multi, "Cheese, 3", { "Which toppings?": "Cheese, Basil" }],
    ["labels and free text of a multi-select question", multi, "olives,anchovies", { "Which toppings?": "Olives, anchovies" }],
    ["one line per question", both, "2\nCheese, Olives", { "Which colour?": "Blue", "Which toppings?": "Cheese, Olives" }],
    ["a JSON object by question text", both, '{"Which colour?": "Red", "Which toppings?": ["Basil", "1"]}', { "Which colour?": "Red", "Which toppings?": "Basil, Cheese" }],
    ["a JSON object by header and number", both, '{"colour": "2", "2": "Olives"}', { "Which colour?": "Blue", "Which toppings?": "Olives" }],
  ];
  for (const [what, questions, resolution, answers] of cases) {
    it(`reads ${what}`, () => {
      expect(questionAnswers(questions, resolution)).to.deep.equal(answers);
      // The stored (canonical) resolution reads back to the same answers.
      expect(questionAnswers(questions, normaliseQuestionAnswer(questions, resolution))).to.deep.equal(answers);
    });
  }

  it("stores one question's answer as its labels and several as a JSON object", () => {
    expect(normaliseQuestionAnswer(multi, "1, 2")).to.equal("Cheese, Olives");
    expect(JSON.parse(normaliseQuestionAnswer(both, "Red\nBasil"))).to.deep.equal({ "Which colour?": "Red", "Which toppings?": "Basil" });
  });

  const refused: Array<[string, ReturnType<typeof askedQuestions>, string, RegExp]> = [
    ["an option number out of range", one, "3", /3 is not an option/],
    ["several answers to a single-choice question", both, '{"1": ["Red", "Blue"], "2": "Basil"}', /takes one answer/],
    ["too few lines for several questions", both, "Red", /2 questions need 2 answers/],
    ["a JSON object missing a question", both, '{"Which colour?": "Red"}', /no answer to "Which toppings\?"/],
    ["a JSON key that is no question", both, '{"Size": "L", "1": "Red", "2": "Basil"}', /"Size" is not one of the questions/],
  ];
  for (const [what, questions, resolution, message] of refused) {
    it(`refuses ${what} as INVALID_RESOLUTION`, () => {
      expect(() => normaliseQuestionAnswer(questions, resolution)).to.throw(message).with.property("reason", "INVALID_RESOLUTION");
    });
  }

  it("skips malformed questions of the tool input", () => {
    expect(askedQuestions({ questions: [{ header: "no text" }, COLOUR, "x"] }).map((q) => q.question)).to.deep.equal(["Which colour?"]);
    expect(askedQuestions({})).to.deep.equal([]);
  });
});
