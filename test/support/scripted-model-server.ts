import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback server speaking the Anthropic Messages API the way Claude Code 2.1.33x uses it, so the real CLI
 * does real turns offline: `HEAD /api/hello`, `POST /v1/messages?beta=true` (SSE when `stream` is set, JSON
 * otherwise), title requests (no tools, prompt wrapped in `<session>`, JSON-schema output `{title}`),
 * and `count_tokens`. What the main turns answer is scripted by the test.
 */

/** Token counts a reply reports (the Messages API's `usage`); the default is 10 input and 5 output tokens. */
export interface ReplyUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** `model`: the model the response names (default: the one the request asked for). */
export type ModelReply = (
  | { text: string; usage?: ReplyUsage; model?: string }
  | { toolUse: { name: string; input: Record<string, unknown>; id?: string }; text?: string; usage?: ReplyUsage; model?: string }
  | { error: { status: number; type?: string; message?: string } }
) & {
  /** Answer only after this long (a model that thinks: time to press Escape in the pane). */
  delayMs?: number;
};

export interface ToolResult {
  toolUseId: string;
  content: string;
  isError: boolean;
}

export interface ModelTurn {
  /** Text of the last `user` message (its text blocks, joined). Claude Code adds system-reminder blocks. */
  text: string;
  /**
   * The last text block: the prompt just typed. After a failed turn Claude Code sends the failed prompt
   * and the new one in the same `user` message, so `text` holds both.
   */
  prompt: string;
  /** `tool_result` blocks of that message: set on the request that follows a tool run. */
  toolResults: ToolResult[];
  request: RecordedRequest;
}

export type RequestKind = "hello" | "main" | "title" | "count-tokens" | "other";

export interface RecordedRequest {
  method: string;
  path: string;
  kind: RequestKind;
  headers: IncomingMessage["headers"];
  body?: Record<string, unknown>;
  /** What the server answered (main turns only). */
  reply?: ModelReply;
}

export type ModelScript = (turn: ModelTurn) => ModelReply | undefined;

export interface ScriptedModelServer {
  url: string;
  requests: RecordedRequest[];
  /** The main (tool-carrying) turns only. */
  turns(): ModelTurn[];
  setScript(script: ModelScript): void;
  close(): Promise<void>;
}

type Block = { type: string; text?: string; content?: unknown; tool_use_id?: string; is_error?: boolean };
type Message = { role: string; content: string | Block[] };

function lastUserMessage(body: Record<string, unknown>): Block[] {
  const messages = (body.messages as Message[] | undefined) ?? [];
  // The current turn is the last `user` entry; entries with other roles may follow it.
  const last = [...messages].reverse().find((message) => message.role === "user");
  if (!last) return [];
  return typeof last.content === "string" ? [{ type: "text", text: last.content }] : last.content;
}

function flattenContent(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((block: Block) => block.text ?? "").join("");
  return "";
}

function classify(method: string, path: string, body: Record<string, unknown> | undefined): RequestKind {
  if (path.startsWith("/api/hello")) return "hello";
  if (path.startsWith("/v1/messages/count_tokens")) return "count-tokens";
  if (!path.startsWith("/v1/messages") || method !== "POST" || !body) return "other";
  const tools = body.tools as unknown[] | undefined;
  const text = lastUserMessage(body).map((block) => block.text ?? "").join("");
  return (!tools || tools.length === 0) && text.includes("<session>") ? "title" : "main";
}

function contentBlocks(reply: Exclude<ModelReply, { error: unknown }>): Array<Record<string, unknown>> {
  if ("toolUse" in reply) {
    const id = reply.toolUse.id ?? `toolu_${randomBytes(12).toString("hex")}`;
    const blocks: Array<Record<string, unknown>> = reply.text ? [{ type: "text", text: reply.text }] : [];
    return [...blocks, { type: "tool_use", id, name: reply.toolUse.name, input: reply.toolUse.input }];
  }
  return [{ type: "text", text: reply.text }];
}

const DEFAULT_USAGE: ReplyUsage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

function answer(res: ServerResponse, body: Record<string, unknown>, reply: ModelReply): void {
  if ("error" in reply) {
    const { status, type = status === 401 ? "authentication_error" : "api_error", message = "scripted failure" } = reply.error;
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify({ type: "error", error: { type, message } }));
    return;
  }
  const blocks = contentBlocks(reply);
  const stopReason = "toolUse" in reply ? "tool_use" : "end_turn";
  const message = {
    id: `msg_${randomBytes(12).toString("hex")}`,
    type: "message",
    role: "assistant",
    model: reply.model ?? body.model ?? "claude-scripted",
    stop_sequence: null,
    usage: reply.usage ?? DEFAULT_USAGE,
  };
  if (!body.stream) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ...message, content: blocks, stop_reason: stopReason }));
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const send = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  send("message_start", { message: { ...message, content: [], stop_reason: null } });
  blocks.forEach((block, index) => {
    if (block.type === "tool_use") {
      send("content_block_start", { index, content_block: { ...block, input: {} } });
      send("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) } });
    } else {
      send("content_block_start", { index, content_block: { type: "text", text: "" } });
      send("content_block_delta", { index, delta: { type: "text_delta", text: block.text } });
    }
    send("content_block_stop", { index });
  });
  send("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: message.usage.output_tokens } });
  send("message_stop", {});
  res.end();
}

export async function startScriptedModelServer(
  options: { script?: ModelScript; defaultText?: string } = {},
): Promise<ScriptedModelServer> {
  const defaultText = options.defaultText ?? "OK.";
  let script: ModelScript = options.script ?? (() => undefined);
  const requests: RecordedRequest[] = [];
  const turns: ModelTurn[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      const method = req.method ?? "GET";
      let body: Record<string, unknown> | undefined;
      try {
        body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>) : undefined;
      } catch {
        body = undefined;
      }
      const record: RecordedRequest = { method, path, kind: classify(method, path, body), headers: req.headers, body };
      requests.push(record);
      switch (record.kind) {
        case "hello":
          res.writeHead(200, { "content-type": "application/json" });
          return res.end(method === "HEAD" ? undefined : "{}");
        case "count-tokens":
          res.writeHead(200, { "content-type": "application/json" });
          return res.end(JSON.stringify({ input_tokens: 42 }));
        case "title":
          return answer(res, body!, (record.reply = { text: JSON.stringify({ title: "Scripted session" }) }));
        case "main": {
          const blocks = lastUserMessage(body!);
          const texts = blocks.filter((block) => block.type === "text").map((block) => block.text ?? "");
          const turn: ModelTurn = {
            text: texts.join("\n"),
            prompt: texts.at(-1) ?? "",
            toolResults: blocks
              .filter((block) => block.type === "tool_result")
              .map((block) => ({ toolUseId: block.tool_use_id ?? "", content: flattenContent(block.content), isError: block.is_error === true })),
            request: record,
          };
          turns.push(turn);
          const reply = (record.reply = script(turn) ?? { text: defaultText });
          if (!reply.delayMs) return answer(res, body!, reply);
          const timer = setTimeout(() => !res.destroyed && answer(res, body!, reply), reply.delayMs);
          res.on("close", () => clearTimeout(timer));
          return;
        }
        default:
          res.writeHead(404, { "content-type": "application/json" });
          return res.end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: `no route ${path}` } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    turns: () => [...turns],
    setScript(next) {
      script = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
