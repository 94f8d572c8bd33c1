// The modules wrangler.toml's [alias] swaps in, as the deployed Worker gets them (one
// `wrangler deploy --dry-run` for both): the MCP client's shim without its schema preload
// (party/shims/mcp-client.ts says why) and the AI SDK on JavaScript streams (party/ai-sdk).
import { beforeAll, describe, expect, it } from "vitest";
import { workerBundle } from "../../dev/worker-bundle.mjs";

let bundle: string;
beforeAll(() => {
  bundle = workerBundle();
}, 120_000);

describe("the Worker bundle", () => {
  it("takes the MCP client's shim from party/shims: no schema preload at start", () => {
    expect(bundle).toContain("// party/shims/mcp-client.ts");
    expect(bundle).not.toContain("// node_modules/@modelcontextprotocol/client/dist/shimsWorkerd.mjs");
    // The package still defines the hook; nothing calls it at module level.
    expect(bundle).not.toMatch(/^preloadSchemas\(\);$/m);
  });

  it("takes ai and @ai-sdk/openai-compatible from the bundle with the injected streams", () => {
    expect(bundle).toContain("// party/ai-sdk/dist/ai-sdk.mjs");
    expect(bundle).not.toContain("// node_modules/ai/dist/index.js");
    expect(bundle).not.toContain("// node_modules/@ai-sdk/openai-compatible/dist/index.js");
  });
});
