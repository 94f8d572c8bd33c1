// Replaces `@modelcontextprotocol/client/_shims` in the Worker's bundle (wrangler.toml
// [alias]). The package's workerd shim calls `preloadSchemas()` when the module loads,
// building every MCP spec schema up front: ~1,750 zod schemas with their closures, about a
// third of the isolate's zod objects, held for the isolate's life and marked by every full
// garbage collection. The room never speaks MCP (the `agents` package imports the client
// regardless), and the package builds each schema on first use without the preload. The
// rest is the workerd shim's own content: no CORS in Workers, the cf-worker JSON Schema
// validator.
export { CfWorkerJsonSchemaValidator as DefaultJsonSchemaValidator } from "@modelcontextprotocol/client/validators/cf-worker";

export const CORS_IS_POSSIBLE = false;
