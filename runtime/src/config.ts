// The runtime's configuration, read once from the environment at start.
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readTenantKeys } from "./auth";
import { errResult, okResult, runtimeError, type Result } from "./errors";
import { readGatewayLimits } from "./gateway-caps";
import { makeDirs } from "./instance-access";
import { resolveModel, type ModelProviderConfig } from "./model-config";
import { type TraceExportConfig, traceExportConfig } from "./model-traces";

/**
 * `runtime/`: both `runtime/src/*.ts` (tests) and the bundle `runtime/dist/main.mjs` sit
 * one level below it, so the same relative URL works from either.
 */
export const RUNTIME_DIR = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const REPO_ROOT = dirname(RUNTIME_DIR);
export const OPENCLAW_ENTRY = join(RUNTIME_DIR, "openclaw", "node_modules", "openclaw", "openclaw.mjs");
export const WATCHDOG_MODULE = join(RUNTIME_DIR, "src", "gateway-watchdog.mjs");

export type DeleteMode = "remove" | "archive";

export type { ModelProviderConfig };

export interface RuntimeConfig {
  host: string;
  port: number;
  serviceToken: string;
  /** Where the token came from, for the start banner (the value itself is never printed). */
  serviceTokenSource: "env" | { file: string; created: boolean };
  /** What the rooms' per-workspace credentials are derived from (current, then previous; auth.ts). */
  tenantKeys: string[];
  dataDir: string;
  /** Where, as root, the gateway's executable files are copied for tenant users to run (gateway-files.ts). */
  gatewayFilesDir: string;
  maxGateways: number;
  /** Cap on concurrent gateways of one workspace (never above maxGateways in effect). */
  maxGatewaysPerWorkspace: number;
  deleteMode: DeleteMode;
  model: ModelProviderConfig | undefined;
  /** The collector the model pass-through's spans go to (OTEL_EXPORTER_OTLP_*); absent: none. */
  traces?: TraceExportConfig;
  openclawEntry: string;
  /** Provisioning gives up (status error) when the gateway is not ready within this time. */
  startTimeoutMs: number;
  /** After SIGTERM, a gateway gets this long before its process group is SIGKILLed. */
  stopTimeoutMs: number;
}

export const MIN_SERVICE_TOKEN_LENGTH = 32;
const GB = 1024 ** 3;

/**
 * Default cap on concurrent gateways. A gateway idles at ~0.85 GB RSS with two helper
 * processes (~1.3 GB after its first turn), and each start keeps a core busy for ~10 s.
 * Leave 4 GB for everything else (wrangler dev, tests, the OS), budget 1.5 GB per gateway,
 * and run at most two per core so starts and turns stay responsive. On the 24 GB / 2-core
 * dev machines that is min(13, 4) = 4.
 */
export function defaultMaxGateways(memoryBytes = totalmem(), cores = cpus().length): number {
  const byMemory = Math.floor((memoryBytes - 4 * GB) / (1.5 * GB));
  return Math.max(1, Math.min(byMemory, 2 * Math.max(1, cores)));
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): Result<number> {
  const raw = env[name];
  if (raw === undefined || raw === "") return okResult(fallback);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    return errResult(runtimeError("invalid_request", `${name} must be an integer >= ${min}, got "${raw}"`));
  return okResult(value);
}

/**
 * Without RUNTIME_SERVICE_TOKEN the runtime keeps a generated token in
 * `<dataDir>/service-token` (mode 0600) so a local `npm start` needs no setup; the caller
 * (the Autopilot's dev config) reads the same file.
 */
function resolveServiceToken(
  env: NodeJS.ProcessEnv,
  dataDir: string,
): Result<Pick<RuntimeConfig, "serviceToken" | "serviceTokenSource">> {
  const fromEnv = env.RUNTIME_SERVICE_TOKEN;
  if (fromEnv !== undefined && fromEnv !== "") {
    if (fromEnv.length < MIN_SERVICE_TOKEN_LENGTH) {
      return errResult(
        runtimeError(
          "invalid_request",
          `RUNTIME_SERVICE_TOKEN must be at least ${MIN_SERVICE_TOKEN_LENGTH} characters`,
        ),
      );
    }
    return okResult({ serviceToken: fromEnv, serviceTokenSource: "env" });
  }
  const file = join(dataDir, "service-token");
  if (existsSync(file)) {
    const token = readFileSync(file, "utf8").trim();
    if (token.length < MIN_SERVICE_TOKEN_LENGTH)
      return errResult(
        runtimeError("invalid_request", `${file} holds a token shorter than ${MIN_SERVICE_TOKEN_LENGTH} characters`),
      );
    return okResult({ serviceToken: token, serviceTokenSource: { file, created: false } });
  }
  // Parents it creates (e.g. `.data/`) stay traversable: gateways under their own users
  // (tenant-users.ts) must reach their directories below it. The data dir's own mode is set
  // by instance-access.ts.
  makeDirs(dirname(dataDir), 0o711);
  makeDirs(dataDir, 0o700);
  const token = randomBytes(32).toString("base64url");
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return okResult({ serviceToken: token, serviceTokenSource: { file, created: true } });
}

/** As root: machine-wide, outside any checkout, shared by every checkout of the same versions. */
export const DEFAULT_GATEWAY_FILES_DIR = "/var/cache/autopilot-runtime";

/**
 * Instance directories are the gateways' HOME and working directories. As root (separate
 * users) they live outside the checkout, so that no gateway needs a way into it — one per
 * checkout, named by its path. Without root, inside the checkout as before (`.data/runtime`).
 */
export function defaultDataDir(uid = process.getuid?.()): string {
  if (uid !== 0) return join(".data", "runtime");
  const checkout = createHash("sha256").update(REPO_ROOT).digest("hex").slice(0, 12);
  return join("/var/lib/autopilot-runtime", `${basename(REPO_ROOT)}-${checkout}`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Result<RuntimeConfig> {
  // 0 picks a free port (tests); the start banner prints the real one.
  const port = positiveInt(env, "RUNTIME_PORT", 8790, 0);
  if (!port.ok) return port;
  const limits = readGatewayLimits((name, fallback) => positiveInt(env, name, fallback), {
    maxGateways: defaultMaxGateways(),
    startTimeoutMs: 120_000,
  });
  if (!limits.ok) return limits;
  const deleteMode = env.RUNTIME_DELETE_MODE || "remove";
  if (deleteMode !== "remove" && deleteMode !== "archive") {
    return errResult(
      runtimeError("invalid_request", `RUNTIME_DELETE_MODE must be "remove" or "archive", got "${deleteMode}"`),
    );
  }
  const dataDir = resolve(REPO_ROOT, env.RUNTIME_DATA_DIR || defaultDataDir());
  const token = resolveServiceToken(env, dataDir);
  if (!token.ok) return token;
  const tenantKeys = readTenantKeys(env);
  if (!tenantKeys.ok) return tenantKeys;
  const model = resolveModel(env);
  if (!model.ok) return model;
  const traces = traceExportConfig(env);
  return okResult({
    host: env.RUNTIME_HOST || "127.0.0.1",
    port: port.value,
    ...token.value,
    tenantKeys: tenantKeys.value,
    dataDir,
    gatewayFilesDir: resolve(REPO_ROOT, env.RUNTIME_GATEWAY_FILES_DIR || DEFAULT_GATEWAY_FILES_DIR),
    ...limits.value,
    deleteMode,
    model: model.value,
    ...(traces ? { traces } : {}),
    openclawEntry: env.RUNTIME_OPENCLAW_ENTRY || OPENCLAW_ENTRY,
  });
}
