// Bench only (`npm run bench:assistant`): a plain `ai` `streamText` client in workerd — the
// platform's floor for the Autopilot's streamed reply. A Worker (no room, no auth, no
// storage, no tools) that, per request on its WebSocket, streams the model's reply and
// sends each text delta on at once: the same hops as the room's reply (model → workerd →
// socket → client) and the same SDK on the same runtime, without the room's work.
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { streamText } from "ai";

interface PlainStreamRequest {
  baseURL: string;
  model: string;
  text: string;
}

function isRequest(value: unknown): value is PlainStreamRequest {
  const v = value as Partial<PlainStreamRequest> | null;
  return typeof v?.baseURL === "string" && typeof v.model === "string" && typeof v.text === "string";
}

async function streamReply(socket: WebSocket, request: PlainStreamRequest): Promise<void> {
  const model = createOpenAICompatible({ name: "bench", baseURL: request.baseURL, includeUsage: true }).chatModel(request.model);
  const result = streamText({ model, messages: [{ role: "user", content: request.text }], maxRetries: 0 });
  let offset = 0;
  for await (const part of result.stream) {
    if (part.type === "error") {
      socket.send(JSON.stringify({ error: String(part.error) }));
      return;
    }
    if (part.type === "text-delta" && part.text) {
      socket.send(JSON.stringify({ offset, text: part.text }));
      offset += part.text.length;
    }
  }
  socket.send(JSON.stringify({ done: true }));
}

/** Answers the upgrade of `/plain-stream`; each text frame `{baseURL, model, text}` starts one reply. */
export function plainStreamSocket(ctx: ExecutionContext): Response {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  server.addEventListener("message", (event) => {
    let request: unknown;
    try {
      request = JSON.parse(String(event.data));
    } catch {
      request = null;
    }
    if (!isRequest(request)) {
      server.send(JSON.stringify({ error: "expected {baseURL, model, text}" }));
      return;
    }
    ctx.waitUntil(streamReply(server, request).catch((error: unknown) => server.send(JSON.stringify({ error: String(error) }))));
  });
  return new Response(null, { status: 101, webSocket: client });
}
