import { expect } from "chai";
import { InvalidArgumentError } from "commander";
import { WorkPriority, WorkPrioritySchema, WorkState, WorkStateSchema } from "../../gen/es/commander/v1/work_item_pb.js";
import { enumWord, enumWords, parseEnumWord } from "../../src/cli/enum-word.js";

describe("enum words", () => {
  it("spells enum values as the REST API does: lowercase without the prefix", () => {
    expect(enumWord(WorkStateSchema, WorkState.IN_PROGRESS)).to.equal("in_progress");
    expect(enumWord(WorkPrioritySchema, WorkPriority.CRITICAL)).to.equal("critical");
  });

  it("lists the words a user may type, without the unspecified value", () => {
    expect(enumWords(WorkPrioritySchema)).to.deep.equal(["low", "medium", "high", "critical"]);
  });

  it("parses words case-insensitively, with dashes for underscores", () => {
    expect(parseEnumWord(WorkPrioritySchema, "HIGH")).to.equal(WorkPriority.HIGH);
    expect(parseEnumWord(WorkStateSchema, "In-Progress")).to.equal(WorkState.IN_PROGRESS);
  });

  it("rejects unknown words and the unspecified value, naming the choices", () => {
    expect(() => parseEnumWord(WorkPrioritySchema, "urgent"))
      .to.throw(InvalidArgumentError)
      .with.property("message", "expected one of: low, medium, high, critical");
    expect(() => parseEnumWord(WorkPrioritySchema, "unspecified")).to.throw(InvalidArgumentError);
  });
});
