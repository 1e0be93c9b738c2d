import type { TokenCountsRecord } from "../domain/records.js";

// Claude Code's transcript (the JSONL file named by every hook's `transcript_path`), read as observed with
// CLI 2.1.33x: one JSON object per line; `user` entries carry the prompt (string content) or `tool_result`
// blocks; `assistant` entries carry `message.model`, `message.usage` and ONE content block each — a
// response with text and a tool use is written as two entries with the same `message.id` and the same
// usage, so usage is counted once per message id. Other entry types (attachments, snapshots, ...) are skipped.

export interface TranscriptUsage {
  tokensByModel: Record<string, TokenCountsRecord>;
  models: string[];
  modelCalls: number;
  toolUses: number;
}

export type ConversationEntry =
  | { kind: "prompt"; time: string; text: string }
  | { kind: "assistant_text"; time: string; text: string }
  | { kind: "tool_use"; time: string; toolName: string; toolInput: unknown; toolUseId: string }
  | { kind: "tool_result"; time: string; toolName: string; text: string; isError: boolean };

export interface TranscriptWindow {
  /** Entries at or after this time (RFC 3339) belong to the turn. */
  since: string;
  /** Entries after this time do not (null: up to the end of the file). */
  until: string | null;
}

type Block = { type?: string; text?: string; id?: string; name?: string; input?: unknown; tool_use_id?: string; content?: unknown; is_error?: boolean };
type Line = {
  type?: string;
  timestamp?: string;
  isSidechain?: boolean;
  isMeta?: boolean;
  message?: { id?: string; model?: string; role?: string; content?: string | Block[]; usage?: Record<string, unknown> };
};

function parseLines(text: string, window: TranscriptWindow): Line[] {
  const since = Date.parse(window.since);
  const until = window.until === null ? Infinity : Date.parse(window.until);
  const lines: Line[] = [];
  for (const raw of text.split("\n")) {
    // Most lines are attachments and bookkeeping: skip them before paying for JSON.parse.
    if (!raw.includes('"type":"user"') && !raw.includes('"type":"assistant"')) continue;
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      continue; // A line being written while we read, or damage: the rest is still worth reading.
    }
    if (line.type !== "user" && line.type !== "assistant") continue;
    const time = Date.parse(line.timestamp ?? "");
    if (!(time >= since && time <= until)) continue;
    lines.push(line);
  }
  return lines;
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

export function transcriptUsage(text: string, window: TranscriptWindow): TranscriptUsage {
  const usage: TranscriptUsage = { tokensByModel: {}, models: [], modelCalls: 0, toolUses: 0 };
  const seenMessages = new Set<string>();
  const seenTools = new Set<string>();
  for (const line of parseLines(text, window)) {
    const message = line.message;
    if (line.type !== "assistant" || !message) continue;
    for (const block of Array.isArray(message.content) ? message.content : []) {
      if (block.type === "tool_use" && !seenTools.has(block.id ?? "")) {
        seenTools.add(block.id ?? `${seenTools.size}`);
        usage.toolUses++;
      }
    }
    const id = message.id ?? "";
    if (seenMessages.has(id) || !message.usage) continue;
    seenMessages.add(id);
    const model = message.model ?? "unknown";
    // Claude Code writes its own error notices as assistant entries of model `<synthetic>` with zero usage.
    if (model === "<synthetic>") continue;
    usage.modelCalls++;
    if (!usage.models.includes(model)) usage.models.push(model);
    const before = usage.tokensByModel[model] ?? { input: 0, output: 0, cacheCreation: 0, cacheRead: 0 };
    usage.tokensByModel[model] = {
      input: before.input + count(message.usage.input_tokens),
      output: before.output + count(message.usage.output_tokens),
      cacheCreation: before.cacheCreation + count(message.usage.cache_creation_input_tokens),
      cacheRead: before.cacheRead + count(message.usage.cache_read_input_tokens),
    };
  }
  return usage;
}

/** The turn's conversation: prompts, the assistant's words, tool uses and their results, in order. */
export function transcriptEntries(text: string, window: TranscriptWindow, resultLimit = 500): ConversationEntry[] {
  const entries: ConversationEntry[] = [];
  const toolNames = new Map<string, string>();
  for (const line of parseLines(text, window)) {
    const time = line.timestamp ?? "";
    const content = line.message?.content;
    if (line.isSidechain || line.isMeta || content === undefined) continue;
    if (line.type === "user") {
      if (typeof content === "string") {
        entries.push({ kind: "prompt", time, text: content });
        continue;
      }
      for (const block of content) {
        if (block.type === "text" && block.text) entries.push({ kind: "prompt", time, text: block.text });
        if (block.type === "tool_result") {
          entries.push({
            kind: "tool_result",
            time,
            toolName: toolNames.get(block.tool_use_id ?? "") ?? "",
            text: shorten(flatten(block.content), resultLimit),
            isError: block.is_error === true,
          });
        }
      }
      continue;
    }
    for (const block of typeof content === "string" ? [{ type: "text", text: content }] : content) {
      if (block.type === "text" && block.text) entries.push({ kind: "assistant_text", time, text: block.text });
      if (block.type === "tool_use") {
        toolNames.set(block.id ?? "", block.name ?? "");
        entries.push({ kind: "tool_use", time, toolName: block.name ?? "", toolInput: block.input ?? {}, toolUseId: block.id ?? "" });
      }
    }
  }
  return entries;
}

function flatten(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((block: Block) => (typeof block.text === "string" ? block.text : "")).join("");
  return "";
}

function shorten(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more characters)`;
}

/** Whether the transcript holds a use of `toolName` that has no result yet (the one a permission request is about). */
export function hasPendingToolUse(text: string, window: TranscriptWindow, toolName: string): boolean {
  const pending = new Map<string, string>();
  for (const entry of transcriptEntries(text, window, 0)) {
    if (entry.kind === "tool_use") pending.set(entry.toolUseId, entry.toolName);
  }
  for (const line of parseLines(text, window)) {
    const content = line.message?.content;
    if (line.type !== "user" || !Array.isArray(content)) continue;
    for (const block of content) if (block.type === "tool_result") pending.delete(block.tool_use_id ?? "");
  }
  return [...pending.values()].includes(toolName);
}

/** Whether the turn's final answer (`message`, Claude Code's `last_assistant_message`) is in the transcript. */
export function hasFinalAnswer(text: string, window: TranscriptWindow, message: string): boolean {
  const last = transcriptEntries(text, window, 0).at(-1);
  // A final response of several text blocks is written as one entry per block; the hook's message holds them all.
  return last?.kind === "assistant_text" && (message.trim() === "" || message.trim().endsWith(last.text.trim()));
}
