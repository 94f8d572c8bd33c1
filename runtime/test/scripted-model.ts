// The only test double: a scripted OpenAI-compatible model server standing in for a paid
// external API. It answers `POST /v1/chat/completions` (streaming as SSE chunks, or plain
// JSON) with a scripted assistant reply and records every request it got.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ChatRequest {
  model?: string;
  stream?: boolean;
  messages?: { role: string; content: unknown }[];
  tools?: unknown[];
}

/** One scripted assistant turn: text (streamed in pieces, optionally slowly) or a tool call. */
export interface ScriptedTurn {
  text?: string;
  toolCall?: { name: string; arguments: Record<string, unknown> };
  /** Pause before each streamed piece (to hold a run open mid-stream). */
  chunkDelayMs?: number;
}
export type Reply = string | ScriptedTurn | ((request: ChatRequest) => string | ScriptedTurn);

export interface ScriptedModel {
  baseUrl: string;
  requests: ChatRequest[];
  /** The reply for the next requests (default: "Scripted reply."). */
  setReply(reply: Reply): void;
  close(): Promise<void>;
}

const INTERNAL_CONTEXT = "BEGIN_OPENCLAW_INTERNAL_CONTEXT";

/**
 * A script driven by markers in the last real user message, for agent-turn tests:
 * `RUNCMD: <cmd>` → an `exec` tool call; after a tool result → "TOOL RESULT SEEN: <output>";
 * `SLOW` → 40 words, one piece every 400 ms; `SAY: <text>` → that text. The gateway appends
 * an internal-context user message after tool results too: it is skipped, or the script
 * would replay old instructions (and the gateway would loop on tool calls).
 */
export function markerScript(request: ChatRequest): ScriptedTurn {
  const real = (request.messages ?? []).filter((m) => !(m.role === "user" && JSON.stringify(m.content).includes(INTERNAL_CONTEXT)));
  const last = real.at(-1);
  if (last?.role === "tool") {
    const content = typeof last.content === "string" ? last.content : JSON.stringify(last.content);
    return { text: `TOOL RESULT SEEN: ${content.slice(0, 300)}` };
  }
  const text = userTexts({ messages: real }).at(-1) ?? "";
  const run = /RUNCMD:(.+)/.exec(text);
  if (run) return { toolCall: { name: "exec", arguments: { command: run[1]!.trim() } } };
  if (/SLOW/.test(text)) return { text: `${Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ")} END.`, chunkDelayMs: 400 };
  const say = /SAY:(.+)/.exec(text);
  return { text: say ? say[1]!.trim() : "Scripted reply." };
}

/** All user message texts of a request (the gateway appends an internal-context user message). */
export function userTexts(request: ChatRequest): string[] {
  return (request.messages ?? [])
    .filter((m) => m.role === "user")
    .map((m) => (typeof m.content === "string" ? m.content : Array.isArray(m.content) ? m.content.map((part: { text?: string }) => part.text ?? "").join("") : ""));
}

async function readJson(req: IncomingMessage): Promise<ChatRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatRequest;
  } catch {
    return {};
  }
}

export interface ScriptedModelOptions {
  modelId?: string;
  /**
   * Called right after each streamed text piece is written, with the request and how many
   * characters of the reply are written so far (benchmarks time the stream with it).
   */
  onPiece?: (request: ChatRequest, written: number) => void;
}

export async function startScriptedModel(options: ScriptedModelOptions = {}): Promise<ScriptedModel> {
  const modelId = options.modelId ?? "scripted-model";
  let reply: Reply = "Scripted reply.";
  const requests: ChatRequest[] = [];
  let counter = 0;

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://model.invalid");
    if (req.method === "GET" && url.pathname === "/v1/models") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", data: [{ id: modelId, object: "model", owned_by: "scripted" }] }));
      return;
    }
    if (req.method !== "POST" || url.pathname !== "/v1/chat/completions") {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${url.pathname}`, type: "not_found" } }));
      return;
    }
    const request = await readJson(req);
    requests.push(request);
    const scripted = typeof reply === "function" ? reply(request) : reply;
    const turn: ScriptedTurn = typeof scripted === "string" ? { text: scripted } : scripted;
    const text = turn.text ?? "";
    const id = `chatcmpl-scripted-${++counter}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = { prompt_tokens: 10, completion_tokens: text.split(/\s+/).length, total_tokens: 10 + text.split(/\s+/).length };
    if (!request.stream && !turn.toolCall) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id, object: "chat.completion", created, model: modelId, choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }], usage }));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: modelId, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
    res.write(chunk({ role: "assistant", content: "" }, null));
    if (turn.toolCall) {
      const call = { index: 0, id: `call_${counter}`, type: "function", function: { name: turn.toolCall.name, arguments: JSON.stringify(turn.toolCall.arguments) } };
      res.write(chunk({ tool_calls: [call] }, null));
      res.write(chunk({}, "tool_calls"));
    } else {
      // A few pieces, so the gateway streams deltas.
      let written = 0;
      for (const piece of text.match(/.{1,8}/gs) ?? []) {
        if (turn.chunkDelayMs) await new Promise((r) => setTimeout(r, turn.chunkDelayMs));
        if (res.destroyed) return;
        res.write(chunk({ content: piece }, null));
        written += piece.length;
        options.onPiece?.(request, written);
      }
      res.write(chunk({}, "stop"));
    }
    res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: modelId, choices: [], usage })}\n\n`);
    res.end("data: [DONE]\n\n");
  });
  await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    setReply: (next) => {
      reply = next;
    },
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
