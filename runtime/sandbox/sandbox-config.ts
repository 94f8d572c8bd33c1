// The sandbox host's configuration, from the Worker's env (vars and secrets, see
// wrangler.toml). Same variable names and meanings as the process host where they apply.
import { readTenantKeys, type TenantKeyEnv } from "../src/auth";
import { errResult, okResult, runtimeError, type Result } from "../src/errors";
import { readGatewayLimits } from "../src/gateway-caps";
import type { DeleteMode } from "../../shared/runtime/responses";
import { resolveModel, type ModelEnv, type ModelProviderConfig } from "../src/model-config";

export const MIN_SERVICE_TOKEN_LENGTH = 32;

export interface SandboxEnvVars extends ModelEnv, TenantKeyEnv {
  /** Secret. The operator's bearer token: every route. */
  RUNTIME_SERVICE_TOKEN?: string;
  RUNTIME_DELETE_MODE?: string;
  RUNTIME_MAX_GATEWAYS?: string;
  RUNTIME_MAX_GATEWAYS_PER_WORKSPACE?: string;
  RUNTIME_START_TIMEOUT_MS?: string;
  RUNTIME_STOP_TIMEOUT_MS?: string;
}

export interface SandboxHostConfig {
  serviceToken: string;
  /** The rooms' per-workspace credentials are derived from these (current, then previous). */
  tenantKeys: string[];
  model: ModelProviderConfig | undefined;
  deleteMode: DeleteMode;
  /** Should match `max_instances` of the container in wrangler.toml. */
  maxGateways: number;
  /** Cap on concurrent gateways of one workspace, as on the process host. */
  maxGatewaysPerWorkspace: number;
  startTimeoutMs: number;
  stopTimeoutMs: number;
}

function positiveInt(env: SandboxEnvVars, name: keyof SandboxEnvVars, fallback: number): Result<number> {
  const raw = env[name];
  if (raw === undefined || raw === "") return okResult(fallback);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    return errResult(runtimeError("internal", `${name} must be an integer >= 1, got "${raw}"`));
  return okResult(value);
}

export function loadSandboxConfig(env: SandboxEnvVars): Result<SandboxHostConfig> {
  const serviceToken = env.RUNTIME_SERVICE_TOKEN ?? "";
  // A Worker has nowhere to generate one into: without the secret, nothing is served.
  if (serviceToken.length < MIN_SERVICE_TOKEN_LENGTH) {
    return errResult(
      runtimeError(
        "internal",
        `the runtime is not configured: set the RUNTIME_SERVICE_TOKEN secret (at least ${MIN_SERVICE_TOKEN_LENGTH} characters)`,
      ),
    );
  }
  const tenantKeys = readTenantKeys(env);
  if (!tenantKeys.ok) return errResult(runtimeError("internal", tenantKeys.error.message));
  const deleteMode = env.RUNTIME_DELETE_MODE || "remove";
  if (deleteMode !== "remove" && deleteMode !== "archive")
    return errResult(
      runtimeError("internal", `RUNTIME_DELETE_MODE must be "remove" or "archive", got "${deleteMode}"`),
    );
  const model = resolveModel(env);
  if (!model.ok) return errResult(runtimeError("internal", model.error.message));
  const limits = readGatewayLimits((name, fallback) => positiveInt(env, name as keyof SandboxEnvVars, fallback), {
    maxGateways: 20,
    // A cold container start plus the gateway's own ~15 s.
    startTimeoutMs: 180_000,
  });
  if (!limits.ok) return limits;
  return okResult({ serviceToken, tenantKeys: tenantKeys.value, model: model.value, deleteMode, ...limits.value });
}
