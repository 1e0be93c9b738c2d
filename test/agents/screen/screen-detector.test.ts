import { expect } from "chai";
import { CLAUDE_CODE_SCREEN } from "../../../src/agents/runtimes/claude-code.js";
import { createScreenDetector, readScreen, type ScreenRules } from "../../../src/agents/screen/screen-detector.js";
import { stripAnsi } from "../../../src/agents/screen/strip-ansi.js";

const FAKE: ScreenRules = {
  ready: [/fake-agent>\s*$/],
  busy: [/esc to interrupt/],
  error: [/^Error: /],
};

const screen = (...lines: string[]) => [...lines, "", "", ""].join("\n");

const QUESTION = screen("fake-agent> ask-choice", "Which option do you prefer?", "1. Red", "2. Blue", "choice>");
const ANSWERED = screen("fake-agent> ask-choice", "Which option do you prefer?", "1. Red", "2. Blue", "choice> 2", "chose: Blue", "fake-agent>");

// As Claude Code 2.1.332 rendered its permission dialog in a 120-column tmux pane.
const CLAUDE_PERMISSION = screen(
  "❯ please make-file",
  "────────────────────────────────────────────────────────────────────────────────",
  " Bash command",
  " Create done.txt",
  "╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌",
  " touch done.txt",
  "╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌",
  " Do you want to proceed?",
  " ❯ 1. Yes",
  "   2. Yes, and always allow access to /tmp/proj from this project",
  "   3. Yes, and switch to auto mode · auto mode handles these prompts for you",
  "   4. No",
  " Esc to cancel · Tab to amend",
);
const CLAUDE_READY = screen(
  "● Hello from scripted server",
  "✻ Worked for 0s · done 9:28 AM",
  "────────────────────────────────────────────────",
  "❯ ",
  "────────────────────────────────────────────────",
  "  ⏸ manual mode on · ? for shortcuts",
);
const CLAUDE_BUSY = screen(
  "❯ now fail-401",
  "✻ 401 invalid x-api-key · retrying in 4s · attempt 4/10",
  "────────────────────────────────────────────────",
  "❯ ",
  "────────────────────────────────────────────────",
  "  ⏸ manual mode on · esc to interrupt",
);

describe("screen detector", () => {
  it("reads a numbered question with its options and the keys that pick each", () => {
    const reading = readScreen(QUESTION, FAKE);
    expect(reading.state).to.equal("asking");
    expect(reading.prompt).to.deep.equal({
      kind: "choice",
      question: "Which option do you prefer?",
      options: [
        { label: "Red", keys: ["1", "Enter"] },
        { label: "Blue", keys: ["2", "Enter"] },
      ],
    });
  });

  it("reports a prompt once while it stays on screen, and again after it went away and came back", () => {
    const detector = createScreenDetector(FAKE);
    expect(detector.update(QUESTION).appeared?.question).to.equal("Which option do you prefer?");
    expect(detector.update(QUESTION).appeared).to.equal(undefined);
    expect(detector.update(QUESTION.replace("choice>", "choice> 2")).appeared).to.equal(undefined); // typing, same prompt
    const answered = detector.update(ANSWERED);
    expect(answered.prompt).to.equal(undefined);
    expect(answered.state).to.equal("ready");
    expect(detector.update(ANSWERED + "\nWhich option do you prefer?\n1. Red\n2. Blue\nchoice>\n").appeared?.options).to.have.length(2);
  });

  it("does not take an answered question, or a numbered list in prose, for a prompt", () => {
    expect(readScreen(ANSWERED, FAKE).prompt).to.equal(undefined);
    const prose = screen("Steps:", "1. install", "2. test", "3. ship", "All done.", "Anything else?", "fake-agent>");
    expect(readScreen(prose, FAKE).prompt).to.equal(undefined);
    const noQuestion = screen("Results", "1. alpha", "2. beta");
    expect(readScreen(noQuestion, FAKE).prompt).to.equal(undefined);
  });

  it("reads (y/n), [Y/n] and aider's letter menus as yes/no prompts, with their defaults", () => {
    expect(readScreen(screen("Proceed? (y/n)"), FAKE).prompt).to.deep.equal({
      kind: "yes-no",
      question: "Proceed? (y/n)",
      options: [
        { label: "Yes", keys: ["y", "Enter"] },
        { label: "No", keys: ["n", "Enter"] },
      ],
    });
    expect(readScreen(screen("Overwrite config? [Y/n]"), FAKE).prompt?.options[0]).to.deep.equal({ label: "Yes", keys: ["y", "Enter"], isDefault: true });
    expect(readScreen(screen("Delete? [y/N]"), FAKE).prompt?.options[1]?.isDefault).to.equal(true);
    const aider = readScreen(screen("Add file to the chat? (Y)es/(N)o/(D)on't ask again [Yes]:"), FAKE).prompt;
    expect(aider?.options).to.deep.equal([
      { label: "Yes", keys: ["y", "Enter"], isDefault: true },
      { label: "No", keys: ["n", "Enter"] },
      { label: "Don't ask again", keys: ["d", "Enter"] },
    ]);
  });

  it("tells ready from busy from the live lines of the screen", () => {
    expect(readScreen(screen("done: hi", "fake-agent>"), FAKE).state).to.equal("ready");
    expect(readScreen(screen("fake-agent> slow", "working... (esc to interrupt)"), FAKE).state).to.equal("busy");
    expect(readScreen(screen("fake-agent> slow", "half a line"), FAKE).state).to.equal("unknown");
    expect(readScreen(CLAUDE_READY, CLAUDE_CODE_SCREEN).state).to.equal("ready");
    expect(readScreen(CLAUDE_BUSY, CLAUDE_CODE_SCREEN).state).to.equal("busy");
  });

  it("reads Claude Code's permission dialog, whose options take the digit alone", () => {
    const reading = readScreen(CLAUDE_PERMISSION, CLAUDE_CODE_SCREEN);
    expect(reading.state).to.equal("asking");
    expect(reading.prompt?.question).to.equal("Do you want to proceed?");
    expect(reading.prompt?.options.map((option) => [option.label, option.keys, option.isDefault ?? false])).to.deep.equal([
      ["Yes", ["1"], true],
      ["Yes, and always allow access to /tmp/proj from this project", ["2"], false],
      ["Yes, and switch to auto mode · auto mode handles these prompts for you", ["3"], false],
      ["No", ["4"], false],
    ]);
  });

  it("reports each error line once per appearance, and a repeated one again", () => {
    const detector = createScreenDetector(FAKE);
    const once = screen("fake-agent> fail", "Error: something broke", "fake-agent>");
    expect(detector.update(once).newErrors).to.deep.equal(["Error: something broke"]);
    expect(detector.update(once).newErrors).to.deep.equal([]);
    const twice = screen("fake-agent> fail", "Error: something broke", "fake-agent> fail", "Error: something broke", "fake-agent>");
    expect(detector.update(twice).newErrors).to.deep.equal(["Error: something broke"]);
  });

  it("strips colours and other escape sequences", () => {
    expect(stripAnsi("\u001b[31mred\u001b[0m \u001b]0;title\u0007plain\u001b[?2004h")).to.equal("red plain");
    expect(readScreen("\u001b[1mProceed? (y/n)\u001b[0m\n", FAKE).state).to.equal("asking");
  });
});
