// The AI SDK as the Worker gets it (build.mjs → dist/ai-sdk.mjs, aliased in wrangler.toml),
// run in Node against the scripted model: its streams are the injected JavaScript ones, not
// the platform's, and a streamed reply with a tool call still works end to end.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type ScriptedModel, startScriptedModel } from "../../../runtime/test/scripted-model";
import { BODY_CHUNK_OBSERVER } from "../body-fetch";
import { AI_SDK_BUNDLE, ensureAiSdkBundle } from "../build.mjs";

type Sdk = typeof import("ai") & Pick<typeof import("@ai-sdk/openai-compatible"), "createOpenAICompatible">;

let sdk: Sdk;
let model: ScriptedModel;
beforeAll(async () => {
  await ensureAiSdkBundle();
  sdk = (await import(pathToFileURL(AI_SDK_BUNDLE).href)) as Sdk;
  model = await startScriptedModel();
});
afterAll(() => model.close());

describe("the Worker's AI SDK bundle", () => {
  it("imports nothing but zod: the rest is inside, so the Worker resolves one zod and nothing else", () => {
    const specifiers = [...readFileSync(AI_SDK_BUNDLE, "utf8").matchAll(/^\s*(?:import|export)\b[^"';]*?\bfrom\s*"([^"]+)"/gm)].map((m) => m[1] ?? "");
    expect(specifiers.length).toBeGreaterThan(0);
    expect(specifiers.filter((s) => !/^zod(\/|$)/.test(s))).toEqual([]);
  });

  it("streams a reply through JavaScript streams, not the platform's, and the body passes the observer", async () => {
    model.setReply({ text: "one two three four" });
    const chunks: number[] = [];
    const observingFetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      const response = await fetch(input, init);
      Object.defineProperty(response, BODY_CHUNK_OBSERVER, { value: (chunk: Uint8Array) => chunks.push(chunk.byteLength) });
      return response;
    }) as typeof fetch;
    const provider = sdk.createOpenAICompatible({ name: "bench", baseURL: model.baseUrl, fetch: observingFetch });
    const result = sdk.streamText({ model: provider.chatModel("scripted"), prompt: "hello" });
    expect(result.stream).not.toBeInstanceOf(globalThis.ReadableStream);
    let text = "";
    for await (const part of result.stream) if (part.type === "text-delta") text += part.text;
    expect(text).toBe("one two three four");
    expect(chunks.length).toBeGreaterThan(0);
  });

  it("runs a tool between two model calls (zod schemas from the room's zod)", async () => {
    model.setReply((request) => (request.messages?.some((m) => m.role === "tool") ? { text: "it is 4" } : { toolCall: { name: "add", arguments: { a: 2, b: 2 } } }));
    const provider = sdk.createOpenAICompatible({ name: "bench", baseURL: model.baseUrl });
    const add = sdk.tool({ inputSchema: z.object({ a: z.number(), b: z.number() }), execute: async ({ a, b }) => a + b });
    const result = sdk.streamText({ model: provider.chatModel("scripted"), prompt: "2+2?", tools: { add }, stopWhen: sdk.isStepCount(3) });
    const parts: string[] = [];
    for await (const part of result.stream)
      if (part.type === "tool-result" || part.type === "text-delta") parts.push(part.type === "tool-result" ? `result:${JSON.stringify(part.output)}` : part.text);
    expect(parts[0]).toBe("result:4");
    expect(parts.slice(1).join("")).toBe("it is 4");
  });
});
