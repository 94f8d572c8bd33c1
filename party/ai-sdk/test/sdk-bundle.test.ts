// The AI SDK as the Worker gets it (build.mjs → dist/ai-sdk.mjs, aliased in wrangler.toml),
// run in Node against the scripted model: its streams are the injected JavaScript ones, not
// the platform's, and a streamed reply with a tool call still works end to end.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type ScriptedModel, startScriptedModel } from "../../../runtime/test/scripted-model";
import { AI_SDK_BUNDLE, AI_SDK_METAFILE, aiSdkBundleInputs, ensureAiSdkBundle } from "../build.mjs";
import { widenToolCallbackGuard } from "../tool-callback-stage.mjs";

type Sdk = typeof import("ai") & Pick<typeof import("@ai-sdk/openai-compatible"), "createOpenAICompatible">;

let sdk: Sdk;
let model: ScriptedModel;
beforeAll(async () => {
  await ensureAiSdkBundle();
  sdk = (await import(pathToFileURL(AI_SDK_BUNDLE).href)) as Sdk;
  model = await startScriptedModel();
});
afterAll(() => model.close());

/** The scripted model calls `add` with `args`, then says `text` once the tool's result is in the request. */
const addThenSay =
  (args: { a: number; b: number }, text: string): Parameters<ScriptedModel["setReply"]>[0] =>
  (request) =>
    request.messages?.some((m) => m.role === "tool") ? { text } : { toolCall: { name: "add", arguments: args } };

describe("the Worker's AI SDK bundle", () => {
  it("imports nothing but zod, and reaches no stream class around the injected ones", () => {
    const meta = JSON.parse(readFileSync(AI_SDK_METAFILE, "utf8")) as {
      outputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
    };
    const imports = Object.values(meta.outputs).flatMap((output) => output.imports);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((i) => !/^zod(\/|$)/.test(i.path))).toEqual([]);
    expect(aiSdkBundleInputs()).toEqual(
      expect.arrayContaining(["party/ai-sdk/js-streams.ts", "node_modules/ai/dist/index.js"]),
    );
    // `inject` replaces free identifiers only: a global reached as a property would escape it.
    expect(readFileSync(AI_SDK_BUNDLE, "utf8")).not.toMatch(
      /globalThis\.(Readable|Writable|Transform|TextDecoder|TextEncoder)Stream\b/,
    );
  });

  it("streams a reply through JavaScript streams, not the platform's", async () => {
    model.setReply({ text: "one two three four" });
    const provider = sdk.createOpenAICompatible({ name: "bench", baseURL: model.baseUrl });
    const result = sdk.streamText({ model: provider.chatModel("scripted"), prompt: "hello" });
    expect(result.stream).not.toBeInstanceOf(globalThis.ReadableStream);
    let text = "";
    for await (const part of result.stream) if (part.type === "text-delta") text += part.text;
    expect(text).toBe("one two three four");
  });

  it("answers a plain call (titles and summaries use generateText) and reports a model's HTTP error", async () => {
    model.setReply({ text: "A title" });
    const provider = sdk.createOpenAICompatible({ name: "bench", baseURL: model.baseUrl });
    expect((await sdk.generateText({ model: provider.chatModel("scripted"), prompt: "title?" })).text).toBe("A title");
    model.setReply({ fail: { status: 500, message: "boom" } });
    await expect(
      sdk.generateText({ model: provider.chatModel("scripted"), prompt: "title?", maxRetries: 0 }),
    ).rejects.toThrow(/boom/);
  });

  it("runs a tool between two model calls (zod schemas from the room's zod)", async () => {
    model.setReply(addThenSay({ a: 2, b: 2 }, "it is 4"));
    const provider = sdk.createOpenAICompatible({ name: "bench", baseURL: model.baseUrl });
    const add = sdk.tool({
      inputSchema: z.object({ a: z.number(), b: z.number() }),
      execute: async ({ a, b }) => a + b,
    });
    const result = sdk.streamText({
      model: provider.chatModel("scripted"),
      prompt: "2+2?",
      tools: { add },
      stopWhen: sdk.isStepCount(3),
    });
    const parts: string[] = [];
    for await (const part of result.stream)
      if (part.type === "tool-result" || part.type === "text-delta")
        parts.push(part.type === "tool-result" ? `result:${JSON.stringify(part.output)}` : part.text);
    expect(parts[0]).toBe("result:4");
    expect(parts.slice(1).join("")).toBe("it is 4");
  });

  it("calls a tool's input callbacks: the stage that calls them stays when a tool has one", async () => {
    model.setReply(addThenSay({ a: 1, b: 2 }, "done"));
    const provider = sdk.createOpenAICompatible({ name: "bench", baseURL: model.baseUrl });
    const seen: string[] = [];
    const add = sdk.tool({
      inputSchema: z.object({ a: z.number(), b: z.number() }),
      onInputStart: ({ toolCallId }) => {
        seen.push(`start:${toolCallId !== ""}`);
      },
      onInputAvailable: ({ input }) => {
        seen.push(`input:${JSON.stringify(input)}`);
      },
      execute: async ({ a, b }) => a + b,
    });
    const plain = sdk.tool({ inputSchema: z.object({}), execute: async () => "unused" });
    const result = sdk.streamText({
      model: provider.chatModel("scripted"),
      prompt: "1+2?",
      tools: { add, plain },
      stopWhen: sdk.isStepCount(3),
    });
    let text = "";
    for await (const part of result.stream) if (part.type === "text-delta") text += part.text;
    expect(text).toBe("done");
    expect(seen).toEqual(["start:true", 'input:{"a":1,"b":2}']);
  });

  it("skips that stage when no tool has an input callback, and fails the build if the SDK's code moved", () => {
    // The bundle's guard returns the stream as it is for such a tool set (tool-callback-stage.mjs).
    expect(readFileSync(AI_SDK_BUNDLE, "utf8")).toMatch(
      /onInputStart!=null\|\|[\w$]+\.onInputDelta!=null\|\|[\w$]+\.onInputAvailable!=null\)\)\)return /,
    );
    const head =
      "function invokeToolCallbacksFromStream({ stream, tools, stepInputMessages, abortSignal, toolsContext }) {";
    expect(widenToolCallbackGuard(`${head}\n\tif (tools == null) return stream;\n}`)).toContain(
      "!Object.values(tools).some(",
    );
    expect(() => widenToolCallbackGuard(`${head}\n\tif (!tools) return stream;\n}`)).toThrow(/guard/);
    expect(() => widenToolCallbackGuard("function somethingElse() {}")).toThrow(/not found/);
  });
});
