// What every end-to-end test of hosted OpenClaw starts: the scripted model (the only test
// double: a paid external API), the real runtime hosting real gateways that use it, and the
// real server (wrangler dev) pointed at that runtime. One place, so each test says only
// what it does differently (the model's script, extra Worker vars).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningRuntime, startRuntime } from "../../party/dev/runtime.mjs";
import { ensureDevVars, freePort, type RunningServer, startServer } from "../../party/dev/server.mjs";
import { type ScriptedModel, startScriptedModel } from "../../runtime/test/scripted-model";

export interface OpenClawStack {
  model: ScriptedModel;
  runtime: RunningRuntime;
  server: RunningServer;
  /** The runtime's service token (tests that talk to the runtime directly need it). */
  serviceToken: string;
  /** The runtime's data directory (instances' state directories are under it). */
  dataDir: string;
  stop(): Promise<void>;
}

/** `name` labels the temporary directories; `vars` are added to the server's Worker vars. */
export async function startOpenClawStack(
  name: string,
  options: { vars?: (model: ScriptedModel) => Record<string, string> } = {},
): Promise<OpenClawStack> {
  const serviceToken = ensureDevVars().RUNTIME_SERVICE_TOKEN!;
  const dirs = [
    mkdtempSync(join(tmpdir(), `autopilot-${name}-runtime-`)),
    mkdtempSync(join(tmpdir(), `autopilot-${name}-`)),
  ];
  const model = await startScriptedModel();
  const runtime = await startRuntime({
    port: await freePort(),
    dataDir: dirs[0],
    serviceToken,
    env: {
      OPENCLAW_MODEL_BASE_URL: model.baseUrl,
      OPENCLAW_MODEL_ID: "scripted-model",
      OPENCLAW_MODEL_API_KEY: "scripted-key",
    },
  });
  const port = await freePort();
  // The device entry's origin as a node on this machine dials it (a setup code names it).
  const vars = { RUNTIME_URL: runtime.url, DEVICE_ENTRY_ORIGIN: `ws://127.0.0.1:${port}`, ...options.vars?.(model) };
  const server = await startServer({ port, persistDir: dirs[1], vars });
  return {
    model,
    runtime,
    server,
    serviceToken,
    dataDir: dirs[0]!,
    async stop() {
      await server.stop();
      await runtime.stop();
      await model.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}
