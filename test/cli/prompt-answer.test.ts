import { expect } from "chai";
import { createOutput } from "../../src/cli/create-output.js";
import { promptChoice, promptText } from "../../src/cli/prompt-answer.js";
import { PromptCancelledError } from "../../src/cli/usage-error.js";
import { memoryIo } from "./support/memory-io.js";

describe("prompts", () => {
  it("lists the options and accepts a number, asking again after an answer that matches nothing", async () => {
    const io = memoryIo();
    const answer = promptChoice(io, createOutput(io), ["allow", "deny"]);
    io.stdin.write("3\n");
    io.stdin.write("2\n");
    expect(await answer).to.equal("deny");
    expect(io.stdoutText()).to.contain("  1) allow\n  2) deny\n");
    expect(io.stdoutText()).to.contain("Answer with a number from 1 to 2 or one of: allow, deny");
  });

  it("accepts an option by name, case-insensitively, as the daemon spells it", async () => {
    const io = memoryIo();
    const answer = promptChoice(io, createOutput(io), ["allow", "deny"]);
    io.stdin.write("ALLOW\n");
    expect(await answer).to.equal("allow");
  });

  it("asks for free text until it is not empty", async () => {
    const io = memoryIo();
    const answer = promptText(io, createOutput(io), "Your answer: ");
    io.stdin.write("\n");
    io.stdin.write("use the blue one\n");
    expect(await answer).to.equal("use the blue one");
  });

  it("gives up when the input ends", async () => {
    const io = memoryIo();
    const answer = promptChoice(io, createOutput(io), ["allow", "deny"]).catch((e: unknown) => e);
    io.stdin.end();
    expect(await answer).to.be.instanceOf(PromptCancelledError);
  });
});
