import { expect } from "chai";
import { readClaudeTurnScreen } from "../../../src/agents/claude/read-claude-turn-screen.js";
import { CLAUDE_CODE_SCREEN } from "../../../src/agents/runtimes/claude-code.js";

// Screens of Claude Code 2.1.332 in tmux (120 columns), as captured with the scripted model server.
const RULE = "─".repeat(120);
const HEADER = [" ▐▛███▛█   Claude Code v2.1.332", "▝▜██████▀  Opus 5.5 · API Usage Billing", " ▝▝   ▝▝   /tmp/project", ""];
const screen = (...lines: string[]) => [...HEADER, ...lines].join("\n");

const THINKING = screen("❯ DELAY Think long.", "", "✶ Hyperspacing…", "", RULE, "❯ ", RULE, "  ⏸ manual mode on · esc to interrupt · ← for agents");
const AFTER_ESC_THINKING = screen(RULE, "❯ DELAY Think long.", RULE, "  ⏸ manual mode on");
const DIALOG = screen(
  "❯ make-file now",
  "● Creating done.txt",
  "  ⎿  $ touch done.txt",
  RULE,
  " Bash command",
  " touch done.txt",
  " Do you want to proceed?",
  " ❯ 1. Yes",
  "   2. Yes, and always allow access to /tmp/project from this project",
  "   3. Yes, and switch to auto mode · auto mode handles these prompts for you",
  "   4. No",
  " Esc to cancel · Tab to amend",
);
const AFTER_ESC_DIALOG = screen(
  "❯ make-file now",
  "  Did not run 1 call",
  "  ⎿  $ touch done.txt",
  "  ⎿  Interrupted · What should Claude do instead?",
  "",
  RULE,
  "❯ ",
  RULE,
  "  ⏸ manual mode on · ? for shortcuts · ← for agents",
);
const RETRYING = screen("❯ fail529 please", "", "✻ API error · retrying in 1s · attempt 2/10", "", RULE, "❯ ", RULE, "  ⏸ manual mode on · esc to interrupt");

describe("reading Claude Code's screen during a turn", () => {
  it("tells a running turn from the idle prompt that an Esc leaves", () => {
    expect(readClaudeTurnScreen(THINKING, CLAUDE_CODE_SCREEN)).to.include({ idle: false, interrupted: false, retrying: null });
    expect(readClaudeTurnScreen(AFTER_ESC_THINKING, CLAUDE_CODE_SCREEN)).to.include({ idle: true, interrupted: false });
    expect(readClaudeTurnScreen(AFTER_ESC_DIALOG, CLAUDE_CODE_SCREEN)).to.include({ idle: true, interrupted: true });
  });

  it("sees Claude's own permission dialog, with its options, as not idle", () => {
    const reading = readClaudeTurnScreen(DIALOG, CLAUDE_CODE_SCREEN);
    expect(reading.idle).to.equal(false);
    expect(reading.dialog?.options.map((option) => option.label)).to.have.length(4).and.include("No");
  });

  it("reads the model API's retry countdown", () => {
    expect(readClaudeTurnScreen(RETRYING, CLAUDE_CODE_SCREEN).retrying).to.equal("✻ API error · retrying in 1s · attempt 2/10");
  });
});
