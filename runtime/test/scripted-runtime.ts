// The setup of the runtime tests that start real gateways: a process-host runtime listening
// on a free port over a fresh temporary data directory, its gateways' model the scripted model
// (the only stand-in). Close it in afterAll; a setup that fails half-way closes what it started.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type RuntimeConfig } from "../src/config";
import { createRuntime, type Runtime } from "../src/server";
import { startScriptedModel, type ScriptedModel, type ScriptedModelOptions } from "./scripted-model";

export interface ScriptedRuntime {
  dataDir: string;
  model: ScriptedModel;
  runtime: Runtime;
  baseUrl: string;
  config: RuntimeConfig;
  close(): Promise<void>;
}

export interface ScriptedRuntimeOptions {
  /** The temporary data directory's name prefix, e.g. "runtime-gwtools-". */
  dataDirPrefix: string;
  /** The operator's model key the runtime is given (OPENCLAW_MODEL_API_KEY). */
  modelApiKey: string;
  model?: ScriptedModelOptions;
  /** Further runtime environment (caps, timeouts, RUNTIME_SERVICE_TOKEN: without it the runtime makes its token file). */
  env?: Record<string, string>;
  /** Runs on the fresh data directory before the runtime reads its config (e.g. to place files it should find). */
  prepareDataDir?: (dataDir: string) => void;
}

export async function startScriptedRuntime(options: ScriptedRuntimeOptions): Promise<ScriptedRuntime> {
  const dataDir = mkdtempSync(join(tmpdir(), options.dataDirPrefix));
  let model: ScriptedModel | undefined;
  let runtime: Runtime | undefined;
  const close = async () => {
    await runtime?.close();
    await model?.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    options.prepareDataDir?.(dataDir);
    const modelId = options.model?.modelId ?? "scripted-model";
    model = await startScriptedModel({ ...options.model, modelId });
    const config = loadConfig({
      RUNTIME_PORT: "0",
      RUNTIME_DATA_DIR: dataDir,
      ...options.env,
      OPENCLAW_MODEL_BASE_URL: model.baseUrl,
      OPENCLAW_MODEL_ID: modelId,
      OPENCLAW_MODEL_API_KEY: options.modelApiKey,
    });
    if (!config.ok) throw new Error(config.error.message);
    runtime = createRuntime(config.value);
    const baseUrl = await runtime.listen();
    return { dataDir, model, runtime, baseUrl, config: config.value, close };
  } catch (error) {
    await close();
    throw error;
  }
}
