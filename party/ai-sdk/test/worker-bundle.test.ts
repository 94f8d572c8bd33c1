// The Worker's bundle takes `ai` and `@ai-sdk/openai-compatible` from the SDK bundle with
// JavaScript streams (wrangler.toml [alias]; party/ai-sdk/js-streams.ts says why).
import { describe, expect, it } from "vitest";
import { workerBundle } from "../../dev/worker-bundle.mjs";

describe("the Worker's AI SDK", () => {
  it("is the bundle with the injected streams, not the packages themselves", { timeout: 120_000 }, async () => {
    const bundle = await workerBundle();
    expect(bundle).toContain("// party/ai-sdk/dist/ai-sdk.mjs");
    expect(bundle).not.toContain("// node_modules/ai/dist/index.js");
    expect(bundle).not.toContain("// node_modules/@ai-sdk/openai-compatible/dist/index.js");
  });
});
