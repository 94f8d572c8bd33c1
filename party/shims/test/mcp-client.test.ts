// The Worker's bundle takes the MCP client's shim from party/shims/mcp-client.ts
// (wrangler.toml [alias]): the package's own workerd shim would build every MCP spec
// schema when the isolate starts (party/shims/mcp-client.ts says why that matters).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/client/validators/cf-worker";
import { afterAll, describe, expect, it } from "vitest";
import { CORS_IS_POSSIBLE, DefaultJsonSchemaValidator } from "../mcp-client";

const root = join(import.meta.dirname, "..", "..", "..");
const out = mkdtempSync(join(tmpdir(), "autopilot-bundle-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("the MCP client shim", () => {
  it("exports what the package's workerd shim exports", () => {
    expect(CORS_IS_POSSIBLE).toBe(false);
    expect(DefaultJsonSchemaValidator).toBe(CfWorkerJsonSchemaValidator);
  });

  it("replaces the package's shim in the Worker bundle: no schema preload at start", { timeout: 120_000 }, () => {
    const result = spawnSync(join(root, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--outdir", out], {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
      encoding: "utf8",
    });
    expect(result.status, result.stderr).toBe(0);
    const bundle = readFileSync(join(out, "index.js"), "utf8");
    expect(bundle).toContain("// party/shims/mcp-client.ts");
    expect(bundle).not.toContain("// node_modules/@modelcontextprotocol/client/dist/shimsWorkerd.mjs");
    // The package still defines the hook; nothing calls it at module level.
    expect(bundle).not.toMatch(/^preloadSchemas\(\);$/m);
  });
});
