import { create } from "@bufbuild/protobuf";
import { expect } from "chai";
import { EventSchema, EventType } from "../../gen/es/commander/v1/event_pb.js";
import { createOutput } from "../../src/cli/create-output.js";
import { promptEventAnswer } from "../../src/cli/prompt-event-answer.js";
import { memoryIo } from "./support/memory-io.js";

const COLOUR = { question: "Which colour?", header: "Colour", multiSelect: false, freeTextAllowed: true, options: [{ label: "Red", description: "warm" }, { label: "Blue", description: "cool" }] };
const TOPPINGS = { question: "Which toppings?", header: "Toppings", multiSelect: true, freeTextAllowed: true, options: [{ label: "Cheese", description: "" }, { label: "Olives", description: "" }] };
const question = (...questions: Array<typeof COLOUR>) => create(EventSchema, { type: EventType.QUESTION, questions, options: questions.length === 1 ? questions[0].options.map((o) => o.label) : [] });

describe("interactive answers to questions and plans", () => {
  it("offers a question's options with their descriptions and takes a number", async () => {
    const io = memoryIo();
    const answer = promptEventAnswer(io, createOutput(io), question(COLOUR));
    io.stdin.write("2\n");
    expect(await answer).to.equal("Blue");
    expect(io.stdoutText()).to.contain("[Colour] Which colour?").and.contain("  1) Red — warm\n  2) Blue — cool\n").and.contain("type your own answer");
  });

  it("takes free text when the answer is none of the options", async () => {
    const io = memoryIo();
    const answer = promptEventAnswer(io, createOutput(io), question(COLOUR));
    io.stdin.write("\nGreen, like grass\n");
    expect(await answer).to.equal("Green, like grass");
  });

  it("asks each of several questions and answers with a JSON object, several options comma-separated", async () => {
    const io = memoryIo();
    const answer = promptEventAnswer(io, createOutput(io), question(COLOUR, TOPPINGS));
    io.stdin.write("red\n1, 2\n");
    expect(JSON.parse((await answer)!)).to.deep.equal({ "Which colour?": "Red", "Which toppings?": "Cheese, Olives" });
  });

  it("asks for feedback when a plan is rejected", async () => {
    const io = memoryIo();
    const plan = create(EventSchema, { type: EventType.PLAN_APPROVAL, options: ["approve", "approve:acceptEdits", "reject"] });
    const answer = promptEventAnswer(io, createOutput(io), plan);
    io.stdin.write("3\nadd tests first\n");
    expect(await answer).to.equal("reject: add tests first");
  });

  it("leaves other events to the plain option prompt", async () => {
    const io = memoryIo();
    expect(await promptEventAnswer(io, createOutput(io), create(EventSchema, { type: EventType.APPROVAL, options: ["allow", "deny"] }))).to.equal(undefined);
  });
});
