import { expect } from "chai";
import { hasFinalAnswer, hasPendingToolUse, transcriptEntries, transcriptUsage } from "../../src/usage/claude-transcript.js";

// Lines shaped as Claude Code 2.1.33x writes them: one content block per assistant entry, the same message
// id and usage on every entry of one response, attachments and bookkeeping entries in between.
const usage = (input: number, output: number, cacheCreation: number, cacheRead: number) => ({
  input_tokens: input,
  output_tokens: output,
  cache_creation_input_tokens: cacheCreation,
  cache_read_input_tokens: cacheRead,
  service_tier: "standard",
});
const lines = [
  { type: "user", timestamp: "2026-12-06T09:59:00.000Z", message: { role: "user", content: "an older turn" } },
  { type: "assistant", timestamp: "2026-12-06T09:59:01.000Z", message: { id: "msg_0", model: "claude-opus-5-5", content: [{ type: "text", text: "old" }], usage: usage(7, 7, 7, 7) } },
  { type: "attachment", timestamp: "2026-12-06T10:00:00.500Z", attachment: { type: "environment" } },
  { type: "user", timestamp: "2026-12-06T10:00:01.000Z", message: { role: "user", content: "write the notes" } },
  { type: "assistant", timestamp: "2026-12-06T10:00:02.000Z", message: { id: "msg_1", model: "claude-opus-5-5", content: [{ type: "text", text: "Writing." }], usage: usage(1000, 200, 300, 4000) } },
  { type: "assistant", timestamp: "2026-12-06T10:00:02.001Z", message: { id: "msg_1", model: "claude-opus-5-5", content: [{ type: "tool_use", id: "toolu_1", name: "Write", input: { file_path: "notes.md", content: "x".repeat(20) } }], usage: usage(1000, 200, 300, 4000) } },
  { type: "file-history-snapshot", messageId: "m" },
  "{not json",
  { type: "user", timestamp: "2026-12-06T10:00:03.000Z", message: { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "y".repeat(40) }] } },
  { type: "assistant", isSidechain: true, timestamp: "2026-12-06T10:00:03.500Z", message: { id: "msg_sub", model: "claude-haiku-4-5", content: [{ type: "text", text: "subagent" }], usage: usage(50, 5, 0, 0) } },
  { type: "assistant", timestamp: "2026-12-06T10:00:04.000Z", message: { id: "msg_2", model: "claude-opus-5-5", content: [{ type: "text", text: "Done." }], usage: usage(1500, 100, 0, 6000) } },
  { type: "assistant", timestamp: "2026-12-06T10:00:04.100Z", message: { id: "msg_err", model: "<synthetic>", content: [{ type: "text", text: "API Error" }], usage: usage(0, 0, 0, 0) } },
];
const text = lines.map((line) => (typeof line === "string" ? line : JSON.stringify(line))).join("\n");
const window = { since: "2026-12-06T10:00:00.000Z", until: null };

describe("Claude Code transcript", () => {
  it("sums each response's usage once per message id, per model, within the turn's window", () => {
    const result = transcriptUsage(text, window);
    expect(result.tokensByModel).to.deep.equal({
      "claude-opus-5-5": { input: 2500, output: 300, cacheCreation: 300, cacheRead: 10000 },
      "claude-haiku-4-5": { input: 50, output: 5, cacheCreation: 0, cacheRead: 0 },
    });
    expect(result.models).to.deep.equal(["claude-opus-5-5", "claude-haiku-4-5"]);
    expect(result.modelCalls).to.equal(3);
    expect(result.toolUses).to.equal(1);
  });

  it("stops at the window's end", () => {
    const result = transcriptUsage(text, { since: window.since, until: "2026-12-06T10:00:03.000Z" });
    expect(result.modelCalls).to.equal(1);
    expect(result.tokensByModel["claude-opus-5-5"].input).to.equal(1000);
  });

  it("lists the conversation: prompt, text, tool use with input, shortened result, answer", () => {
    const entries = transcriptEntries(text, window, 10);
    expect(entries.map((entry) => entry.kind)).to.deep.equal(["prompt", "assistant_text", "tool_use", "tool_result", "assistant_text", "assistant_text"]);
    expect(entries[0]).to.deep.include({ text: "write the notes" });
    expect(entries[2]).to.deep.include({ toolName: "Write", toolUseId: "toolu_1" });
    expect((entries[2] as { toolInput: { file_path: string } }).toolInput.file_path).to.equal("notes.md");
    expect(entries[3]).to.deep.include({ toolName: "Write", text: `${"y".repeat(10)}… (30 more characters)`, isError: false });
    expect(entries[4]).to.deep.include({ text: "Done." });
  });

  it("tells whether a tool use still waits for its result and whether the final answer is in", () => {
    const upToToolUse = lines.slice(0, 6).map((line) => JSON.stringify(line)).join("\n");
    expect(hasPendingToolUse(upToToolUse, window, "Write")).to.equal(true);
    expect(hasPendingToolUse(upToToolUse, window, "Bash")).to.equal(false);
    expect(hasPendingToolUse(text, window, "Write")).to.equal(false);
    expect(hasFinalAnswer(upToToolUse, window, "Done.")).to.equal(false);
    expect(hasFinalAnswer(text, window, "")).to.equal(true);
  });
});
