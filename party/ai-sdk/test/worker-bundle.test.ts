// What the deployed Worker bundles (one `wrangler deploy --dry-run`): the AI SDK on
// JavaScript streams (party/ai-sdk) that wrangler.toml's [alias] swaps in, and none of the
// agents framework's MCP client (the room composes the lifecycle's parts, not Agent).
import { beforeAll, describe, expect, it } from "vitest";
import { workerBundle } from "../../dev/worker-bundle.mjs";

let bundle: string;
beforeAll(() => {
  bundle = workerBundle();
}, 120_000);

describe("the Worker bundle", () => {
  it("holds no MCP client: nothing builds its spec schemas at isolate start", () => {
    expect(bundle).not.toContain("node_modules/@modelcontextprotocol/");
    expect(bundle).not.toMatch(/^preloadSchemas\(\);$/m);
  });

  it("takes ai and @ai-sdk/openai-compatible from the bundle with the injected streams", () => {
    expect(bundle).toContain("// party/ai-sdk/dist/ai-sdk.mjs");
    expect(bundle).not.toContain("// node_modules/ai/dist/index.js");
    expect(bundle).not.toContain("// node_modules/@ai-sdk/openai-compatible/dist/index.js");
  });
});
