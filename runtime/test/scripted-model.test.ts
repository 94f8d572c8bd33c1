// The scripted model driven through the real AI SDK (`ai` + the OpenAI-compatible provider,
// as the Autopilot's agent uses it): the script's markers produce what the SDK parses as
// streamed text, tool-call steps, usage, and the failures the agent must survive.
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, isStepCount, streamText, tool } from "ai";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  agentScript,
  type ChatRequest,
  PIECE_CHARS,
  type ScriptedModel,
  scriptedUsage,
  startScriptedModel,
} from "./scripted-model";

let model: ScriptedModel;
let modelAsking: ReturnType<ReturnType<typeof createOpenAICompatible>["chatModel"]>;
let modelNotAsking: typeof modelAsking;

beforeAll(async () => {
  model = await startScriptedModel({ usage: "when-asked" });
  model.setReply(agentScript);
  modelAsking = createOpenAICompatible({ name: "autopilot", baseURL: model.baseUrl, includeUsage: true }).chatModel(
    "scripted-model",
  );
  modelNotAsking = createOpenAICompatible({ name: "autopilot", baseURL: model.baseUrl }).chatModel("scripted-model");
});
afterAll(async () => {
  await model.close();
});

const ran: string[] = [];
const tools = {
  threads_list: tool({
    inputSchema: z.object({ includeArchived: z.boolean().default(false) }),
    execute: async (input) => {
      ran.push(`threads_list ${JSON.stringify(input)}`);
      return { threads: [{ id: "thr_1", title: "General" }] };
    },
  }),
  threads_rename: tool({
    inputSchema: z.object({ threadId: z.string(), title: z.string() }),
    execute: async (input) => {
      ran.push(`threads_rename ${JSON.stringify(input)}`);
      return { renamed: input.threadId, title: input.title };
    },
  }),
};

interface Outcome {
  text: string;
  steps: { finishReason: string; input: number | undefined; output: number | undefined }[];
  toolCalls: { name: string; input: unknown }[];
  errors: unknown[];
  aborts: string[];
  deltas: number;
}

async function run(
  prompt: string,
  options: { model?: typeof modelAsking; timeout?: { totalMs?: number; stepMs?: number; chunkMs?: number } } = {},
): Promise<Outcome> {
  const outcome: Outcome = { text: "", steps: [], toolCalls: [], errors: [], aborts: [], deltas: 0 };
  const result = streamText({
    model: options.model ?? modelAsking,
    messages: [{ role: "user", content: `Alice (user): ${prompt}` }],
    tools,
    stopWhen: isStepCount(8),
    maxRetries: 0,
    onError: () => {},
    timeout: options.timeout ?? { totalMs: 5000, chunkMs: 2000 },
  });
  for await (const part of result.stream) {
    if (part.type === "text-delta") {
      outcome.text += part.text;
      outcome.deltas++;
    }
    if (part.type === "tool-call") outcome.toolCalls.push({ name: part.toolName, input: part.input });
    if (part.type === "finish-step")
      outcome.steps.push({
        finishReason: part.finishReason,
        input: part.usage.inputTokens,
        output: part.usage.outputTokens,
      });
    if (part.type === "error") outcome.errors.push(part.error);
    if (part.type === "abort") outcome.aborts.push(String(part.reason));
  }
  return outcome;
}

/** The requests the model got since `since`, over the introspection route the workerd tests use. */
async function requestsSince(since: number): Promise<ChatRequest[]> {
  const response = await fetch(`${model.baseUrl}/_scripted/requests?since=${since}`);
  return ((await response.json()) as { requests: ChatRequest[] }).requests;
}

describe("scripted model through the AI SDK", () => {
  it("streams SAY text in several deltas, with the deterministic usage when asked for it", async () => {
    const before = model.requests.length;
    const outcome = await run("SAY: hello there, streamed in pieces");
    expect(outcome.text).toBe("hello there, streamed in pieces");
    expect(outcome.deltas).toBeGreaterThan(2);
    const request = model.requests[before]!;
    expect(request.stream_options?.include_usage).toBe(true);
    const usage = scriptedUsage(request, { text: outcome.text });
    expect(outcome.steps).toEqual([
      { finishReason: "stop", input: usage.prompt_tokens, output: usage.completion_tokens },
    ]);
  });

  it("sends no usage to a client that does not ask for it (usage: when-asked)", async () => {
    const outcome = await run("SAY: no usage please", { model: modelNotAsking });
    expect(outcome.text).toBe("no usage please");
    expect(outcome.steps[0]?.input).toBeUndefined();
  });

  it("runs STEPS as sequential tool calls with streamed arguments, then answers with the last tool result", async () => {
    ran.length = 0;
    const outcome = await run(
      'STEPS: threads_list {} ; threads_rename {"threadId":"thr_1","title":"A much longer renamed title"}',
    );
    expect(outcome.toolCalls).toEqual([
      { name: "threads_list", input: { includeArchived: false } },
      { name: "threads_rename", input: { threadId: "thr_1", title: "A much longer renamed title" } },
    ]);
    expect(ran).toEqual([
      'threads_list {"includeArchived":false}',
      'threads_rename {"threadId":"thr_1","title":"A much longer renamed title"}',
    ]);
    expect(outcome.steps.map((s) => s.finishReason)).toEqual(["tool-calls", "tool-calls", "stop"]);
    expect(outcome.steps.every((s) => typeof s.input === "number" && s.input > 0)).toBe(true);
    expect(outcome.text).toBe('TOOL RESULT SEEN: {"renamed":"thr_1","title":"A much longer renamed title"}');
  });

  it("runs TOOLS as parallel calls in one step", async () => {
    ran.length = 0;
    const outcome = await run('TOOLS: threads_list {} | threads_list {"includeArchived":true}');
    expect(outcome.toolCalls.map((c) => c.input)).toEqual([{ includeArchived: false }, { includeArchived: true }]);
    expect(ran).toHaveLength(2);
    expect(outcome.steps.map((s) => s.finishReason)).toEqual(["tool-calls", "stop"]);
    expect(outcome.text).toMatch(/^TOOL RESULT SEEN: /);
  });

  it("answers generateText (no stream) with text and usage, and with tool calls", async () => {
    const titled = await generateText({
      model: modelAsking,
      instructions: "Reply with a title.",
      prompt: "SAY: Release planning",
      maxOutputTokens: 24,
      maxRetries: 0,
    });
    expect(titled.text).toBe("Release planning");
    expect(titled.usage.inputTokens).toBeGreaterThan(0);
    expect(model.requests.at(-1)?.stream).toBeFalsy();
    ran.length = 0;
    const stepped = await generateText({
      model: modelAsking,
      prompt: "STEPS: threads_list {}",
      tools,
      stopWhen: isStepCount(3),
      maxRetries: 0,
    });
    expect(ran).toEqual(['threads_list {"includeArchived":false}']);
    expect(stepped.text).toBe('TOOL RESULT SEEN: {"threads":[{"id":"thr_1","title":"General"}]}');
  });

  it("FAIL500 → an error part carrying the APICallError with status 500", async () => {
    const outcome = await run("FAIL500");
    expect(outcome.errors).toHaveLength(1);
    expect(outcome.errors[0]).toMatchObject({ name: "AI_APICallError", statusCode: 500 });
  });

  it("MALFORMED → the text so far, then a JSON parse error part", async () => {
    const outcome = await run("MALFORMED");
    expect(outcome.text).toBe("this str");
    expect((outcome.errors[0] as Error).name).toBe("AI_JSONParseError");
  });

  it("HANG (before headers) → aborted by the step timeout; HANGMID → partial text, chunk timeout", async () => {
    // The server holds a HANG response until close(): only the client's step timer can end
    // this run, and the abort says which timer it was.
    const hung = await run("HANG", { timeout: { stepMs: 400 } });
    expect(hung.aborts).toEqual(["TimeoutError: Step timeout of 400ms exceeded"]);
    const mid = await run("HANGMID", { timeout: { chunkMs: 400 } });
    expect(mid.text).toBe("partial ");
    expect(mid.aborts).toEqual(["TimeoutError: Chunk timeout of 400ms exceeded"]);
  });

  it("records every request for GET /v1/_scripted/requests?since=n", async () => {
    const since = model.requests.length;
    await run("SAY: recorded");
    const recorded = await requestsSince(since);
    expect(recorded).toHaveLength(1);
    expect(JSON.stringify(recorded[0]!.messages)).toContain("SAY: recorded");
    expect(await requestsSince(model.requests.length)).toEqual([]);
  });
});

describe("a caller that goes away mid-request", () => {
  it("is let go: no error escapes the server, nothing is recorded, and the next request is answered", async () => {
    const since = model.requests.length;
    const port = Number(new URL(model.baseUrl).port);
    // A POST that promises a body it never sends whole, then hangs up (a caller's timeout).
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.write(
          'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"messages":[',
          () => socket.destroy(),
        );
      });
      socket.on("close", () => resolve());
      socket.on("error", reject);
    });
    // Answered after it, by the same server; the aborted one left no request behind.
    await run("SAY: still here");
    const recorded = await requestsSince(since);
    expect(recorded).toHaveLength(1);
    expect(JSON.stringify(recorded[0]!.messages)).toContain("SAY: still here");
  });
});

describe("STREAM: n pieces at a fixed spacing (the benchmarks' mode)", () => {
  it("writes n pieces of PIECE_CHARS characters, reports each write and the stream's end, and the SDK sees n deltas", async () => {
    // What happened, in order: each timer of the pieces' spacing as it fires, each write.
    const happened: string[] = [];
    const nodeSetTimeout = globalThis.setTimeout;
    const timers = vi.spyOn(globalThis, "setTimeout").mockImplementation(((
      callback: (...args: unknown[]) => void,
      ms?: number,
      ...args: unknown[]
    ) =>
      nodeSetTimeout(() => {
        if (ms === 30) happened.push("waited 30 ms");
        callback(...args);
      }, ms)) as typeof setTimeout);
    const ends: ChatRequest[] = [];
    const own = await startScriptedModel({
      onPiece: (_, written) => happened.push(`wrote ${written}`),
      onStreamEnd: (request) => ends.push(request),
    });
    own.setReply(agentScript);
    try {
      const result = streamText({
        model: createOpenAICompatible({ name: "bench", baseURL: own.baseUrl }).chatModel("scripted-model"),
        prompt: "Bench (user): STREAM: 5x30 tag-1",
        maxRetries: 0,
      });
      const deltas: string[] = [];
      for await (const part of result.stream) if (part.type === "text-delta" && part.text) deltas.push(part.text);
      expect(deltas).toEqual(["0000000 ", "0000001 ", "0000002 ", "0000003 ", "0000004 "]);
      // Each piece waits its spacing first: every write comes after a 30 ms wait of its own.
      expect(happened).toEqual([1, 2, 3, 4, 5].flatMap((k) => ["waited 30 ms", `wrote ${k * PIECE_CHARS}`]));
      expect(ends).toHaveLength(1);
      expect(JSON.stringify(ends[0]!.messages)).toContain("tag-1");
    } finally {
      timers.mockRestore();
      await own.close();
    }
  });
});

describe("scripted model close", () => {
  it("close() ends even while a response hangs on purpose", async () => {
    const own = await startScriptedModel();
    own.setReply({ hang: "before-headers" });
    const pending = fetch(`${own.baseUrl}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ stream: true, messages: [] }),
    }).catch((error: Error) => error);
    await vi.waitFor(() => expect(own.requests).toHaveLength(1));
    await own.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});
