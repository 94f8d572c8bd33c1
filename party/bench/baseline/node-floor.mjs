// Bench only (bench:assistant): the plain `ai` streamText client of plain-stream.ts, in a
// Node process of its own instead of workerd — same socket protocol (one frame
// `{baseURL, model, text}` starts a reply; `{offset, text}` per delta, then `{done}`), the
// same packages as the bench's in-process client. Its latency minus the in-process
// client's is what a second process and a WebSocket cost on this machine, with no workerd
// in the path; a workerd floor minus it is workerd's own share.
// Run as `node node-floor.mjs` with stdin a pipe it can wait on (it exits when stdin ends):
// it listens on a free loopback port and prints `listening <port>`.
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { streamText } from "ai";
import { WebSocketServer } from "ws";

const isRequest = (v) => typeof v?.baseURL === "string" && typeof v.model === "string" && typeof v.text === "string";

async function streamReply(socket, request) {
  const model = createOpenAICompatible({ name: "bench", baseURL: request.baseURL, includeUsage: true }).chatModel(request.model);
  const result = streamText({ model, messages: [{ role: "user", content: request.text }], maxRetries: 0 });
  let offset = 0;
  for await (const part of result.stream) {
    if (part.type === "error") return socket.send(JSON.stringify({ error: String(part.error) }));
    if (part.type === "text-delta" && part.text) {
      socket.send(JSON.stringify({ offset, text: part.text }));
      offset += part.text.length;
    }
  }
  socket.send(JSON.stringify({ done: true }));
}

const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
server.on("connection", (socket) => {
  socket.on("message", (data) => {
    let request = null;
    try {
      request = JSON.parse(String(data));
    } catch {
      // answered below
    }
    if (!isRequest(request)) return socket.send(JSON.stringify({ error: "expected {baseURL, model, text}" }));
    streamReply(socket, request).catch((error) => socket.readyState === socket.OPEN && socket.send(JSON.stringify({ error: String(error) })));
  });
});
server.on("listening", () => console.log(`listening ${server.address().port}`));
// The bench closes stdin when it is done (or dies): end with it.
process.stdin.resume().on("end", () => process.exit(0));
