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

export interface ScriptedModel {
  baseUrl: string;
  requests: ChatRequest[];
  /** The reply for the next requests (default: "Scripted reply."). */
  setReply(reply: string | ((request: ChatRequest) => string)): void;
  close(): Promise<void>;
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

export async function startScriptedModel(options: { modelId?: string } = {}): Promise<ScriptedModel> {
  const modelId = options.modelId ?? "scripted-model";
  let reply: string | ((request: ChatRequest) => string) = "Scripted reply.";
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
    const text = typeof reply === "function" ? reply(request) : reply;
    const id = `chatcmpl-scripted-${++counter}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = { prompt_tokens: 10, completion_tokens: text.split(/\s+/).length, total_tokens: 10 + text.split(/\s+/).length };
    if (!request.stream) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id, object: "chat.completion", created, model: modelId, choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }], usage }));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: modelId, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
    res.write(chunk({ role: "assistant", content: "" }, null));
    // A few pieces, so the gateway streams deltas.
    for (const piece of text.match(/.{1,8}/gs) ?? []) res.write(chunk({ content: piece }, null));
    res.write(chunk({}, "stop"));
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
