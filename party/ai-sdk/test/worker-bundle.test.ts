// What the deployed Worker bundles (one `wrangler deploy --dry-run`): the AI SDK on
// JavaScript streams (party/ai-sdk) that wrangler.toml's [alias] swaps in, none of the
// agents framework's MCP client (the room composes the lifecycle's parts, not Agent), and
// the MCP server SDK (the MCP endpoint, docs/mcp.md) evaluated only when first used.
import { beforeAll, describe, expect, it } from "vitest";
import { workerBundle } from "../../dev/worker-bundle.mjs";

let bundle: string;
beforeAll(() => {
  bundle = workerBundle();
}, 120_000);

describe("the Worker bundle", () => {
  it("holds no MCP client, and nothing builds the MCP spec schemas at isolate start", () => {
    expect(bundle).not.toContain("node_modules/@modelcontextprotocol/client/");
    expect(bundle).not.toContain("node_modules/@modelcontextprotocol/sdk/");
    // The server SDK is there, behind the room's lazy import: its workerd entry's
    // preloadSchemas() runs inside a lazy module initializer, not at the bundle's top level.
    expect(bundle).toContain("node_modules/@modelcontextprotocol/server/");
    expect(bundle).not.toMatch(/^preloadSchemas\(\);$/m);
    expect(bundle).toMatch(/^\s+preloadSchemas\(\);$/m);
    // …and that initializer runs from the room's `import("./sdk")` alone (esbuild names a
    // lazy module's initializer init_<file>): a static import of it anywhere would call it
    // at isolate start.
    expect(bundle.match(/\binit_sdk\(\)/g)).toEqual(["init_sdk()"]);
    expect(bundle).toMatch(/Promise\.resolve\(\)\.then\(\(\) => \(init_sdk\(\), sdk_exports\)\)/);
  });

  it("takes ai and @ai-sdk/openai-compatible from the bundle with the injected streams", () => {
    expect(bundle).toContain("// party/ai-sdk/dist/ai-sdk.mjs");
    expect(bundle).not.toContain("// node_modules/ai/dist/index.js");
    expect(bundle).not.toContain("// node_modules/@ai-sdk/openai-compatible/dist/index.js");
  });
});
