// Entry point of the runtime service (process host). Started by `node runtime/start.mjs`.
import { loadConfig } from "./config";
import { createRuntime } from "./server";
import { isolationMode } from "./tenant-users";

function log(message: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ ts: new Date().toISOString(), msg: message, ...fields }));
}

async function main(): Promise<void> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    console.error(`runtime: configuration error: ${loaded.error.message}`);
    process.exit(1);
  }
  const config = loaded.value;
  const runtime = createRuntime(config, log);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      // Second signal: no more waiting.
      runtime.host.killAllNow();
      process.exit(1);
    }
    stopping = true;
    log("runtime stopping", { signal });
    await runtime.close();
    log("runtime stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGHUP", () => void stop("SIGHUP"));
  const crash = (error: unknown) => {
    console.error("runtime: fatal error", error);
    runtime.host.killAllNow();
    process.exit(1);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);

  const url = await runtime.listen();
  const tokenSource =
    config.serviceTokenSource === "env"
      ? "RUNTIME_SERVICE_TOKEN"
      : `${config.serviceTokenSource.file}${config.serviceTokenSource.created ? " (generated now)" : ""}`;
  log("runtime listening", {
    url,
    host: "process",
    dataDir: config.dataDir,
    gatewayFiles: runtime.gatewayFilesDir ?? "as installed",
    maxGateways: config.maxGateways,
    deleteMode: config.deleteMode,
    model: config.model
      ? `${config.model.modelId} at ${config.model.baseUrl}`
      : "none (set OPENCLAW_MODEL_BASE_URL and OPENCLAW_MODEL_ID)",
    serviceToken: tokenSource,
    // Whether the rooms' per-workspace credentials are taken (the keys themselves are never printed).
    tenantKeys: config.tenantKeys.length === 0 ? "none: the service token only" : config.tenantKeys.length,
    tenants:
      isolationMode() === "separate-users"
        ? "separate OS users: one uid per instance, instance dirs 0700"
        : "shared OS user",
  });
  if (isolationMode() === "shared-user") {
    log(
      "tenants are NOT kept apart: the runtime is not root, so every gateway runs as this user and can read every instance's state and the service token (the model key stays in the runtime); run it as root (a container) to separate them",
    );
  }
}

void main().catch((error: unknown) => {
  // A start-up check's message names the cause and the fix: no stack in front of it.
  console.error(`runtime: failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
