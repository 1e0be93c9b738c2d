import { expect } from "chai";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claudeConversationExists } from "../../../src/agents/claude/claude-conversations.js";
import { createClaudeCodeRuntime } from "../../../src/agents/runtimes/claude-code.js";
import { createShellRuntime } from "../../../src/agents/runtimes/shell.js";

describe("resuming a Claude Code conversation", () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), "commander-claude-home-"));
    await mkdir(join(home, ".claude", "projects", "-tmp-project"), { recursive: true });
    await writeFile(join(home, ".claude", "projects", "-tmp-project", "conv-1.jsonl"), "{}\n");
  });
  after(() => rm(home, { recursive: true, force: true }));

  it("finds a conversation Claude Code kept, in any project folder", async () => {
    expect(await claudeConversationExists("conv-1", home)).to.equal(true);
    expect(await claudeConversationExists("conv-2", home)).to.equal(false);
    expect(await claudeConversationExists("conv-1", join(home, "missing"))).to.equal(false);
  });

  it("is the Claude Code runtime's business: other runtimes never resume", async () => {
    expect(await createClaudeCodeRuntime({ home }).canResume("conv-1")).to.equal(true);
    expect(await createShellRuntime().canResume("conv-1")).to.equal(false);
  });
});
