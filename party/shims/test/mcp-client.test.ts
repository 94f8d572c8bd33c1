// The Worker's bundle takes the MCP client's shim from party/shims/mcp-client.ts
// (wrangler.toml [alias]): the package's own workerd shim would build every MCP spec
// schema when the isolate starts (party/shims/mcp-client.ts says why that matters).
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/client/validators/cf-worker";
import { describe, expect, it } from "vitest";
import { workerBundle } from "../../dev/worker-bundle.mjs";
import { CORS_IS_POSSIBLE, DefaultJsonSchemaValidator } from "../mcp-client";

describe("the MCP client shim", () => {
  it("exports what the package's workerd shim exports", () => {
    expect(CORS_IS_POSSIBLE).toBe(false);
    expect(DefaultJsonSchemaValidator).toBe(CfWorkerJsonSchemaValidator);
  });

  it("replaces the package's shim in the Worker bundle: no schema preload at start", { timeout: 120_000 }, async () => {
    const bundle = await workerBundle();
    expect(bundle).toContain("// party/shims/mcp-client.ts");
    expect(bundle).not.toContain("// node_modules/@modelcontextprotocol/client/dist/shimsWorkerd.mjs");
    // The package still defines the hook; nothing calls it at module level.
    expect(bundle).not.toMatch(/^preloadSchemas\(\);$/m);
  });
});
