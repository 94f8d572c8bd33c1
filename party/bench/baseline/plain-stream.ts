// Bench only (`npm run bench`'s assistant): a plain `ai` `streamText` client in workerd — the
// platform's floor for the Autopilot's streamed reply. No room, no auth, no storage, no
// tools: per request on its WebSocket it streams the model's reply and sends each text
// delta on at once — the same hops as the room's reply (model → workerd → socket →
// client) and the same SDK build on the same runtime, without the room's work. Served two
// ways: from the Worker itself (`/plain-stream`, a WebSocketPair) and from a Durable Object
// that holds its socket the way the room does (`/plain-stream?in=object`, hibernatable
// `acceptWebSocket`), so the bench can tell the object's socket path from the room's code.
// Under wrangler.toml it runs the room's SDK build; under wrangler.npm-ai.toml the same code
// runs the npm build, the floor the room's alias is measured against.
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { streamText } from "ai";
import { DurableObject } from "cloudflare:workers";

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
  const model = createOpenAICompatible({ name: "bench", baseURL: request.baseURL, includeUsage: true }).chatModel(
    request.model,
  );
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

/** One frame `{baseURL, model, text}` starts one reply; the promise ends with it. */
function onRequest(socket: WebSocket, data: string | ArrayBuffer): Promise<void> {
  let request: unknown;
  try {
    request = JSON.parse(String(data));
  } catch {
    request = null;
  }
  if (!isRequest(request)) {
    socket.send(JSON.stringify({ error: "expected {baseURL, model, text}" }));
    return Promise.resolve();
  }
  return streamReply(socket, request).catch((error: unknown) => {
    try {
      socket.send(JSON.stringify({ error: String(error) }));
    } catch {
      // The bench's socket closed mid-reply: nobody is left to tell.
    }
  });
}

/** Answers the upgrade of `/plain-stream` in the Worker. */
export function plainStreamSocket(ctx: ExecutionContext): Response {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  server.addEventListener("message", (event) => ctx.waitUntil(onRequest(server, event.data)));
  return new Response(null, { status: 101, webSocket: client });
}

/** The same client in a Durable Object, its socket accepted for hibernation as the room's are. */
export class PlainStreamObject extends DurableObject {
  override fetch(): Response {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  override webSocketMessage(socket: WebSocket, data: string | ArrayBuffer): Promise<void> {
    return onRequest(socket, data);
  }
}
