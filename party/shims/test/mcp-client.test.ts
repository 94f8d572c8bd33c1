// The Worker's bundle takes the MCP client's shim from party/shims/mcp-client.ts
// (wrangler.toml [alias]; worker-bundle.test.ts checks the bundle): it must export what the
// package's own workerd shim exports.
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/client/validators/cf-worker";
import { describe, expect, it } from "vitest";
import { CORS_IS_POSSIBLE, DefaultJsonSchemaValidator } from "../mcp-client";

describe("the MCP client shim", () => {
  it("exports what the package's workerd shim exports", () => {
    expect(CORS_IS_POSSIBLE).toBe(false);
    expect(DefaultJsonSchemaValidator).toBe(CfWorkerJsonSchemaValidator);
  });
});
