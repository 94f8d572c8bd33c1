// The only test double: a scripted OpenAI-compatible model server standing in for a paid
// external API. It answers `POST /v1/chat/completions` (streaming as SSE chunks, or plain
// JSON) with a scripted assistant reply and records every request it got. It runs in plain
// Node (tests, benchmarks, and a vitest globalSetup for the workerd tests, which read the
// recorded requests over `GET /v1/_scripted/requests` since they share no memory with it).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ChatRequest {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  messages?: { role: string; content: unknown; tool_calls?: unknown[]; tool_call_id?: string }[];
  tools?: { type: string; function: { name: string; description?: string; parameters?: unknown } }[];
}

export interface ScriptedToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** One scripted assistant turn: text (streamed in pieces, optionally slowly), tool calls, or a failure. */
export interface ScriptedTurn {
  text?: string;
  toolCall?: ScriptedToolCall;
  /** Several calls in one step (parallel tool calls); `text`, if any, streams before them. */
  toolCalls?: ScriptedToolCall[];
  /** Pause before each streamed piece (to hold a run open mid-stream). */
  chunkDelayMs?: number;
  /** Answer with this HTTP status and an OpenAI-style error body instead of a reply. */
  fail?: { status: number; message?: string; retryAfterS?: number };
  /** Never answer (before headers), or stop writing after the first piece (mid-stream). */
  hang?: "before-headers" | "mid-stream";
  /**
   * Close the connection as an endpoint that went down does: before any answer (no status,
   * no body), or after the first streamed piece (a reply cut off, no usage).
   */
  drop?: "before-headers" | "mid-stream";
  /** Write one `data:` line that is not JSON after the first piece. */
  malformed?: boolean;
  /** Answer only once this settles (the model "thinks" until a test is ready for the next step). */
  waitFor?: Promise<unknown>;
  /** Report this usage instead of the scripted count (an endpoint that counts its own way, or lies). */
  usage?: { prompt_tokens: number; completion_tokens: number };
}
export type Reply = string | ScriptedTurn | ((request: ChatRequest) => string | ScriptedTurn);

export interface ScriptedModel {
  baseUrl: string;
  requests: ChatRequest[];
  /** The reply for the next requests (default: "Scripted reply."). */
  setReply(reply: Reply): void;
  /** Closes the server, destroying responses that hang on purpose. */
  close(): Promise<void>;
}

const INTERNAL_CONTEXT = "BEGIN_OPENCLAW_INTERNAL_CONTEXT";

/** Text of a message's content (a string or text parts). */
export const textOf = (content: unknown): string =>
  typeof content === "string"
    ? content
    : Array.isArray(content)
      ? content.map((part: { text?: string }) => part.text ?? "").join("")
      : "";

/**
 * A script driven by markers in the last real user message, for OpenClaw agent-turn tests:
 * `RUNCMD: <cmd>` → an `exec` tool call; after a tool result → "TOOL RESULT SEEN: <output>";
 * `SLOW` → 40 words, one piece every 400 ms; `SAY: <text>` → that text. The gateway appends
 * an internal-context user message after tool results too: it is skipped, or the script
 * would replay old instructions (and the gateway would loop on tool calls).
 */
export function markerScript(request: ChatRequest): ScriptedTurn {
  const real = (request.messages ?? []).filter(
    (m) => !(m.role === "user" && JSON.stringify(m.content).includes(INTERNAL_CONTEXT)),
  );
  const last = real.at(-1);
  if (last?.role === "tool") {
    const content = typeof last.content === "string" ? last.content : JSON.stringify(last.content);
    return { text: `TOOL RESULT SEEN: ${content.slice(0, 300)}` };
  }
  const text = userTexts({ messages: real }).at(-1) ?? "";
  const run = /RUNCMD:(.+)/.exec(text);
  if (run) return { toolCall: { name: "exec", arguments: { command: run[1]!.trim() } } };
  if (/SLOW/.test(text))
    return { text: `${Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ")} END.`, chunkDelayMs: 400 };
  const say = /SAY:(.+)/.exec(text);
  return { text: say ? say[1]!.trim() : "Scripted reply." };
}

/** `name {json}` → a tool call; the JSON may not contain the separator (`;` or `|`). */
function parseToolSpec(spec: string): ScriptedToolCall {
  const match = /^\s*([\w-]+)\s*(\{.*\})?\s*$/s.exec(spec);
  return {
    name: match?.[1] ?? "unknown",
    arguments: match?.[2] ? (JSON.parse(match[2]) as Record<string, unknown>) : {},
  };
}

/**
 * The Autopilot agent's script, driven by markers in the last user message (the room
 * prefixes "Name (kind): ", so markers match anywhere in it):
 *   STEPS: a {json} ; b {json}   sequential tool calls, one per model step (step k = the
 *                                assistant tool-call messages after the last user message)
 *   TOOLS: a {json} | b {json}   parallel tool calls in one step
 *   (a scripted tool the request does not offer is loaded first, with `tools_load`, in a step
 *   of its own that does not count as one of the script's)
 *   FAIL500 · HANG (before headers) · HANGMID · MALFORMED · SLOW · SAY: <text>
 *   STREAM: <n>x<ms>             n pieces of exactly 8 characters, one every <ms> ms
 *                                (benchmarks: a known spacing, and the piece a delta's
 *                                last character came from is ceil(length / 8))
 * After the last scripted step it answers "TOOL RESULT SEEN: <last tool message>" (slowly
 * with SLOWRESULT). Its usage, with OVERREPORT: 99,995,000 input tokens whatever was sent (an
 * endpoint whose word is no bound); with WORSTCOUNT: the most an honest tokenizer could count
 * (`worstHonestUsage`); with `USAGE: <prompt>,<completion>`: those figures, whatever they are
 * (negative, fractional: an endpoint's word is remote input).
 */
export function agentScript(request: ChatRequest): ScriptedTurn {
  const turn = agentTurn(request);
  const messages = request.messages ?? [];
  const text = textOf(messages[messages.findLastIndex((m) => m.role === "user")]?.content);
  if (/OVERREPORT/.test(text)) return { ...turn, usage: { prompt_tokens: 99_995_000, completion_tokens: 8 } };
  if (/WORSTCOUNT/.test(text)) return { ...turn, usage: worstHonestUsage(request) };
  const figures = /USAGE:\s*(-?[\d.]+),(-?[\d.]+)/.exec(text);
  if (figures) return { ...turn, usage: { prompt_tokens: Number(figures[1]), completion_tokens: Number(figures[2]) } };
  return turn;
}

/** Requests seen per FLAKY key, in this process (the workerd tests' globalSetup, or a test's own server). */
const flakyCalls = new Map<string, number>();

/**
 * `FLAKY:<key>:<outcomes>`: the requests whose last user message carries the key get these
 * outcomes in order, one each, then answer as usual: `ok` answers, a status fails with it,
 * `429@2` fails with a retry-after of 2 s, `drop` closes the connection before answering and
 * `cut` after the first streamed piece (the endpoint went down). For retries and resumes
 * (`FLAKY:t1:503,429@1`), and an outage mid-task (`FLAKY:t2:ok,cut,drop`).
 */
function flakyTurn(text: string): ScriptedTurn | undefined {
  const flaky = /FLAKY:([\w-]+):(\S+)/.exec(text);
  if (!flaky) return undefined;
  const [, key, list] = flaky as unknown as [string, string, string];
  const seen = flakyCalls.get(key) ?? 0;
  flakyCalls.set(key, seen + 1);
  const outcome = list.split(",")[seen];
  if (!outcome || outcome === "ok") return undefined;
  if (outcome === "drop") return { drop: "before-headers" };
  if (outcome === "cut") return { text: "a reply the endpoint cuts off", drop: "mid-stream" };
  const [status, after] = outcome.split("@");
  return {
    fail: {
      status: Number(status),
      message: `scripted failure ${seen + 1}`,
      ...(after === undefined ? {} : { retryAfterS: Number(after) }),
    },
  };
}

/** The Autopilot's tool that offers more of its tools (party/rooms/autopilot/features/toolset/offer.ts). */
const LOAD_TOOL = "tools_load";

const callName = (call: unknown): string | undefined => (call as { function?: { name?: string } }).function?.name;

/** An assistant step that only loaded tools: not one of the script's steps. */
const onlyLoads = (calls: unknown[]): boolean => calls.every((call) => callName(call) === LOAD_TOOL);

/**
 * As a model does: a scripted call of a tool the request does not offer, where it offers
 * `tools_load`, first loads that tool (the script's step comes on the next request).
 */
function loadFirst(request: ChatRequest, calls: ScriptedToolCall[]): ScriptedTurn | undefined {
  const offered = new Set((request.tools ?? []).map((t) => t.function.name));
  const catalog = request.tools?.find((t) => t.function.name === LOAD_TOOL)?.function.description;
  if (catalog === undefined) return undefined;
  // A name it asked for before and still is not offered (no such tool): called as scripted.
  const asked = new Set(
    (request.messages ?? [])
      .flatMap((m) => m.tool_calls ?? [])
      .filter((call) => callName(call) === LOAD_TOOL)
      .flatMap((call) => {
        try {
          const input = JSON.parse((call as { function: { arguments: string } }).function.arguments);
          return Array.isArray(input?.tools) ? (input.tools as string[]) : [];
        } catch {
          return [];
        }
      }),
  );
  // Only what its description names: a tool the run does not have at all is called as scripted.
  const named = (name: string) => new RegExp(`\\b${name}\\b`).test(catalog);
  const missing = [...new Set(calls.map((call) => call.name))].filter(
    (name) => !offered.has(name) && !asked.has(name) && named(name),
  );
  return missing.length > 0 ? { toolCall: { name: LOAD_TOOL, arguments: { tools: missing } } } : undefined;
}

function agentTurn(request: ChatRequest): ScriptedTurn {
  const messages = request.messages ?? [];
  const lastUser = messages.findLastIndex((m) => m.role === "user");
  const text = textOf(messages[lastUser]?.content);
  const flaky = flakyTurn(text);
  if (flaky) return flaky;
  const stepsDone = messages
    .slice(lastUser + 1)
    .filter((m) => m.role === "assistant" && m.tool_calls?.length && !onlyLoads(m.tool_calls)).length;
  const steps = /STEPS:(.+)/s.exec(text)?.[1]?.split(";").map(parseToolSpec);
  if (steps && stepsDone < steps.length)
    return loadFirst(request, [steps[stepsDone]!]) ?? { toolCall: steps[stepsDone]! };
  const parallel = /TOOLS:(.+)/s.exec(text)?.[1]?.split("|").map(parseToolSpec);
  if (parallel && stepsDone === 0) return loadFirst(request, parallel) ?? { toolCalls: parallel };
  const last = messages.at(-1);
  // SLOWRESULT: the answer after the tool streams slowly (~4 s), to cut a resumed run mid-reply.
  if (last?.role === "tool")
    return {
      text: `TOOL RESULT SEEN: ${textOf(last.content).slice(0, 300)}`,
      ...(/SLOWRESULT/.test(text) ? { chunkDelayMs: 100 } : {}),
    };
  if (/FAIL500/.test(text)) return { fail: { status: 500, message: "scripted upstream failure" } };
  if (/HANGMID/.test(text)) return { text: "partial reply that never ends", hang: "mid-stream" };
  if (/HANG/.test(text)) return { hang: "before-headers" };
  if (/MALFORMED/.test(text)) return { text: "this stream breaks", malformed: true };
  if (/SLOW/.test(text))
    return { text: `${Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ")} END.`, chunkDelayMs: 100 };
  const stream = /STREAM:\s*(\d+)x(\d+)/.exec(text);
  if (stream) return fixedStream(Number(stream[1]), Number(stream[2]));
  const say = /SAY:(.+)/s.exec(text);
  return { text: say ? say[1]!.trim() : `Autopilot heard: ${text.slice(0, 200)}` };
}

/** The server writes text in pieces of this many characters. */
export const PIECE_CHARS = 8;

/** `pieces` pieces (1–10 000) of exactly PIECE_CHARS characters, `spacingMs` (0–10 000) apart. */
export function fixedStream(pieces: number, spacingMs: number): ScriptedTurn {
  const n = Math.min(10_000, Math.max(1, Math.floor(pieces)));
  const text = Array.from({ length: n }, (_, i) => `${String(i).padStart(PIECE_CHARS - 1, "0")} `).join("");
  return { text, chunkDelayMs: Math.min(10_000, Math.max(0, Math.floor(spacingMs))) };
}

/** All user message texts of a request (the gateway appends an internal-context user message). */
export function userTexts(request: ChatRequest): string[] {
  return (request.messages ?? []).filter((m) => m.role === "user").map((m) => textOf(m.content));
}

/** Deterministic usage a test can recompute: about 4 characters per token. */
export function scriptedUsage(
  request: ChatRequest,
  turn: ScriptedTurn,
): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  const calls = turn.toolCalls ?? (turn.toolCall ? [turn.toolCall] : []);
  const prompt = Math.ceil(JSON.stringify(request.messages ?? []).length / 4);
  const completion = Math.ceil(((turn.text ?? "").length + (calls.length ? JSON.stringify(calls).length : 0)) / 4);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/**
 * The most tokens an honest endpoint could count for a request: every UTF-8 byte of the text the
 * model is shown (each message's text, its tool calls' names and arguments, the tool
 * definitions' names, descriptions and JSON Schemas) one token, four more a message and a tool
 * for the chat template's markers; and every output token its cap allows.
 */
export function worstHonestUsage(request: ChatRequest): { prompt_tokens: number; completion_tokens: number } {
  const bytes = (text: string) => Buffer.byteLength(text, "utf8");
  let prompt = 4;
  for (const message of request.messages ?? []) {
    prompt += 4 + bytes(textOf(message.content));
    for (const call of (message.tool_calls ?? []) as { function?: { name?: string; arguments?: string } }[])
      prompt += bytes(call.function?.name ?? "") + bytes(call.function?.arguments ?? "");
  }
  for (const tool of request.tools ?? [])
    prompt +=
      4 +
      bytes(tool.function.name) +
      bytes(tool.function.description ?? "") +
      bytes(JSON.stringify(tool.function.parameters ?? {}));
  return { prompt_tokens: prompt, completion_tokens: request.max_tokens ?? 0 };
}

/** The request's JSON body ({} when it is not JSON), or null when the client went away before sending it whole. */
async function readJson(req: IncomingMessage): Promise<ChatRequest | null> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of req) chunks.push(chunk as Buffer);
  } catch {
    // Aborted mid-body (a caller's timeout on a loaded machine): nobody is left to answer, and
    // a rejection here would be unhandled in the server's callback.
    return null;
  }
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
  /** Called right after a streamed reply's last chunk is written (a tool call's too: its arguments are complete). */
  onStreamEnd?: (request: ChatRequest, turn: ScriptedTurn) => void;
  /**
   * "always" (default; the OpenClaw gateway tests) sends a usage chunk on every stream;
   * "when-asked" only with `stream_options.include_usage`, like OpenAI — so a client that
   * forgets to ask gets no usage, as it would from a real endpoint.
   */
  usage?: "always" | "when-asked";
  /** Like a real endpoint: chat completions answer 401 unless they carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
}

const PIECES = new RegExp(`.{1,${PIECE_CHARS}}`, "gs");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startScriptedModel(options: ScriptedModelOptions = {}): Promise<ScriptedModel> {
  const modelId = options.modelId ?? "scripted-model";
  let reply: Reply = "Scripted reply.";
  const requests: ChatRequest[] = [];
  /** Responses held open on purpose: close() destroys them, or the server never closes. */
  const hanging = new Set<ServerResponse>();
  let counter = 0;

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://model.invalid");
    if (req.method === "GET" && url.pathname === "/v1/models") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", data: [{ id: modelId, object: "model", owned_by: "scripted" }] }));
      return;
    }
    if (req.method === "GET" && url.pathname === "/v1/_scripted/requests") {
      const since = Math.max(0, Number.parseInt(url.searchParams.get("since") ?? "0", 10) || 0);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ requests: requests.slice(since), next: requests.length }));
      return;
    }
    if (req.method !== "POST" || url.pathname !== "/v1/chat/completions") {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${url.pathname}`, type: "not_found" } }));
      return;
    }
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      req.resume();
      res.writeHead(401, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: { message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key" },
        }),
      );
      return;
    }
    const request = await readJson(req);
    if (!request) return;
    requests.push(request);
    const scripted = typeof reply === "function" ? reply(request) : reply;
    const turn: ScriptedTurn = typeof scripted === "string" ? { text: scripted } : scripted;
    if (turn.waitFor) {
      // Held like a hanging response meanwhile, so close() does not wait for it.
      hanging.add(res);
      await turn.waitFor.catch(() => {});
      hanging.delete(res);
      // The caller may have gone meanwhile (its server stopped): nothing to answer.
      if (!res.socket || res.socket.destroyed) return;
    }
    if (turn.fail) {
      res.writeHead(turn.fail.status, {
        "content-type": "application/json",
        ...(turn.fail.retryAfterS === undefined ? {} : { "retry-after": String(turn.fail.retryAfterS) }),
      });
      res.end(JSON.stringify({ error: { message: turn.fail.message ?? "scripted failure", type: "server_error" } }));
      return;
    }
    // The turn's scripted stop at this point of the answer, if any: dropped (the connection
    // destroyed) or hung (held open until the caller gives up or the server closes).
    const stopsAt = (point: "before-headers" | "mid-stream"): boolean => {
      if (turn.drop === point) {
        res.destroy();
        return true;
      }
      if (turn.hang === point) {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return true;
      }
      return false;
    };
    if (stopsAt("before-headers")) return;
    const text = turn.text ?? "";
    const calls = turn.toolCalls ?? (turn.toolCall ? [turn.toolCall] : []);
    const id = `chatcmpl-scripted-${++counter}`;
    const callId = (index: number) => `call_${counter}_${index}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = turn.usage
      ? { ...turn.usage, total_tokens: turn.usage.prompt_tokens + turn.usage.completion_tokens }
      : scriptedUsage(request, turn);
    if (!request.stream) {
      // generateText (titles, summaries): one JSON completion, tool calls included.
      const toolCalls = calls.map((call, index) => ({
        id: callId(index),
        type: "function",
        function: { name: call.name, arguments: JSON.stringify(call.arguments) },
      }));
      const message = {
        role: "assistant",
        content: calls.length ? null : text,
        ...(calls.length ? { tool_calls: toolCalls } : {}),
      };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id,
          object: "chat.completion",
          created,
          model: modelId,
          choices: [{ index: 0, message, finish_reason: calls.length ? "tool_calls" : "stop" }],
          usage,
        }),
      );
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: modelId, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.write(chunk({ role: "assistant", content: "" }, null));
    if (calls.length > 0) {
      // Text before the calls, as models do ("Let me look that up.").
      for (const piece of text.match(PIECES) ?? []) res.write(chunk({ content: piece }, null));
      calls.forEach((call, index) => {
        // Like OpenAI: the id and name first, then the arguments in pieces.
        res.write(
          chunk(
            {
              tool_calls: [
                { index, id: callId(index), type: "function", function: { name: call.name, arguments: "" } },
              ],
            },
            null,
          ),
        );
        for (const piece of JSON.stringify(call.arguments).match(/.{1,12}/gs) ?? [])
          res.write(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }, null));
      });
      res.write(chunk({}, "tool_calls"));
    } else {
      // A few pieces, so clients stream deltas.
      let written = 0;
      for (const piece of text.match(PIECES) ?? []) {
        if (turn.chunkDelayMs) await sleep(turn.chunkDelayMs);
        if (res.destroyed) return;
        res.write(chunk({ content: piece }, null));
        written += piece.length;
        options.onPiece?.(request, written);
        if (stopsAt("mid-stream")) return;
        if (turn.malformed) {
          res.end("data: {not json\n\ndata: [DONE]\n\n");
          return;
        }
      }
      res.write(chunk({}, "stop"));
    }
    if ((options.usage ?? "always") === "always" || request.stream_options?.include_usage) {
      res.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: modelId, choices: [], usage })}\n\n`,
      );
    }
    res.end("data: [DONE]\n\n");
    options.onStreamEnd?.(request, turn);
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
        for (const response of hanging) response.destroy();
        hanging.clear();
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
