// The Worker's AI SDK is the bundle with JavaScript streams (party/ai-sdk; wrangler.toml and
// this project's vitest config alias it): in workerd its streams are not the runtime's.
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { streamText } from "ai";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("the AI SDK in the Worker", () => {
  it("streams a reply through JavaScript streams, not the runtime's", async () => {
    const baseURL = (env as unknown as { AUTOPILOT_MODEL_BASE_URL: string }).AUTOPILOT_MODEL_BASE_URL;
    const result = streamText({
      model: createOpenAICompatible({ name: "sdk-streams", baseURL }).chatModel("scripted-model"),
      prompt: "hello",
    });
    expect(result.stream).not.toBeInstanceOf(ReadableStream);
    let text = "";
    for await (const part of result.stream) if (part.type === "text-delta") text += part.text;
    expect(text.length).toBeGreaterThan(0);
  });
});
