import { expect } from "chai";
import { claudeStartupDialogKeys, detectClaudeStartupDialog } from "../../../src/agents/claude/startup-dialogs.js";

// Screens as Claude Code 2.1.332 rendered them in a 120x40 tmux pane.
const TRUST = [
  "────────────────────────────────────────────────────────────────────────",
  " Accessing workspace:",
  "",
  " /tmp/exp/proj",
  "",
  " Quick safety check: Is this a project you created or one you trust? (Like your own code, a well-known open source",
  " project, or work from your team). If not, take a moment to review what's in this folder first.",
  "",
  " Claude Code'll be able to read, edit, and execute files here.",
  "",
  " Security guide",
  "",
  " ❯ No, exit",
  "   Yes, I trust this folder",
  "",
  " Enter to confirm · Esc to cancel",
  "",
  "",
].join("\n");

const API_KEY = [
  "────────────────────────────────────────────────────────────────────────",
  "  Detected a custom API key in your environment",
  "",
  "  ANTHROPIC_API_KEY: sk-ant-...6789abcdefghijklmnop",
  "",
  "  Do you want to use this API key?",
  "",
  "    Yes",
  "  ❯ No (recommended)",
  "",
  "  Enter to confirm · Esc to cancel",
].join("\n");

describe("Claude Code start-up dialogs", () => {
  it("recognises the folder-trust dialog, its choices and the keys that pick each", () => {
    expect(detectClaudeStartupDialog(TRUST)).to.deep.equal({
      kind: "choice",
      dialog: "folder-trust",
      question: "Is this a project you created or one you trust?",
      options: [
        { label: "No, exit", keys: ["Enter"], isDefault: true },
        { label: "Yes, I trust this folder", keys: ["Down", "Enter"] },
      ],
    });
  });

  it("recognises the custom-API-key dialog, with keys relative to the cursor", () => {
    const prompt = detectClaudeStartupDialog(API_KEY)!;
    expect(prompt.dialog).to.equal("custom-api-key");
    expect(prompt.options).to.deep.equal([
      { label: "Yes", keys: ["Up", "Enter"] },
      { label: "No (recommended)", keys: ["Enter"], isDefault: true },
    ]);
    expect(claudeStartupDialogKeys(prompt, true)).to.deep.equal(["Up", "Enter"]);
    expect(claudeStartupDialogKeys(prompt, false)).to.deep.equal(["Enter"]);
  });

  it("follows the cursor when it moved", () => {
    const moved = TRUST.replace(" ❯ No, exit", "   No, exit").replace("   Yes, I trust", " ❯ Yes, I trust");
    const prompt = detectClaudeStartupDialog(moved)!;
    expect(claudeStartupDialogKeys(prompt, true)).to.deep.equal(["Enter"]);
    expect(claudeStartupDialogKeys(prompt, false)).to.deep.equal(["Up", "Enter"]);
  });

  it("finds nothing on the ordinary prompt", () => {
    expect(detectClaudeStartupDialog("───\n❯ \n───\n  ⏸ manual mode on · ? for shortcuts\n")).to.equal(undefined);
  });
});
