// The model provider the gateways are configured with, read from the runtime's environment.
// Pure (no Node APIs): shared by the process host (config.ts reads process.env) and the
// sandbox host (the Worker's env bindings).
import { errResult, okResult, runtimeError, type Result } from "./errors";

export interface ModelProviderConfig {
  baseUrl: string;
  apiKey: string | undefined;
  modelId: string;
  /**
   * The pass-through's cap on output tokens per call (RUNTIME_MODEL_MAX_TOKENS; unset:
   * DEFAULT_MODEL_MAX_TOKENS). Only the operator's upstream carries it.
   */
  maxOutputTokens?: number;
  /**
   * Every model a gateway may choose (OPENCLAW_MODEL_IDS; `modelId` first, the default): an
   * instance's own model is one of these, set through its gateway's config (decision 74).
   * Absent: only `modelId`.
   */
  offered?: readonly string[];
}

/** How many models the operator may offer, and the shape of an id (the gateway's `runtime/<id>`). */
export const MAX_OFFERED_MODELS = 20;
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

/** The models a gateway may use: `modelId` first, then OPENCLAW_MODEL_IDS's others, or why not. */
function resolveOffered(modelId: string, raw: string | undefined): Result<string[]> {
  const ids = [modelId, ...(raw ?? "").split(",").map((id) => id.trim())].filter(Boolean);
  const bad = ids.find((id) => !MODEL_ID.test(id));
  if (bad !== undefined)
    return errResult(runtimeError("invalid_request", `OPENCLAW_MODEL_IDS: "${bad.slice(0, 130)}" is not a model id`));
  const offered = [...new Set(ids)];
  if (offered.length > MAX_OFFERED_MODELS)
    return errResult(runtimeError("invalid_request", `OPENCLAW_MODEL_IDS: at most ${MAX_OFFERED_MODELS} models`));
  return okResult(offered);
}

/** The model a gateway's call runs on: the one it names when offered, else the default. */
export const offeredModel = (requested: unknown, upstream: Pick<ModelProviderConfig, "modelId" | "offered">): string =>
  typeof requested === "string" && upstream.offered?.includes(requested) ? requested : upstream.modelId;

/** The default cap on output tokens per call: above what the gateway itself asks for (gateway-config.ts). */
export const DEFAULT_MODEL_MAX_TOKENS = 16_384;
/** RUNTIME_MODEL_MAX_TOKENS may not exceed this. */
export const MODEL_MAX_TOKENS_LIMIT = 1_000_000;

/** The variables it reads; anything else in the environment is ignored. */
export interface ModelEnv {
  OPENCLAW_MODEL_BASE_URL?: string | undefined;
  OPENCLAW_MODEL_ID?: string | undefined;
  OPENCLAW_MODEL_API_KEY?: string | undefined;
  RUNTIME_MODEL_MAX_TOKENS?: string | undefined;
  /** More model ids the operator's endpoint serves, comma-separated: an instance may choose one. */
  OPENCLAW_MODEL_IDS?: string | undefined;
}

function resolveMaxTokens(raw: string | undefined): Result<number> {
  if (raw === undefined || raw.trim() === "") return okResult(DEFAULT_MODEL_MAX_TOKENS);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > MODEL_MAX_TOKENS_LIMIT) {
    return errResult(
      runtimeError(
        "invalid_request",
        `RUNTIME_MODEL_MAX_TOKENS must be an integer from 1 to ${MODEL_MAX_TOKENS_LIMIT}, got "${raw}"`,
      ),
    );
  }
  return okResult(value);
}

export function resolveModel(env: ModelEnv): Result<ModelProviderConfig | undefined> {
  const baseUrl = env.OPENCLAW_MODEL_BASE_URL?.trim() || undefined;
  const modelId = env.OPENCLAW_MODEL_ID?.trim() || undefined;
  const apiKey = env.OPENCLAW_MODEL_API_KEY || undefined;
  const maxOutputTokens = resolveMaxTokens(env.RUNTIME_MODEL_MAX_TOKENS);
  if (!maxOutputTokens.ok) return maxOutputTokens;
  if (!baseUrl && !modelId) return okResult(undefined);
  if (!baseUrl || !modelId) {
    return errResult(
      runtimeError(
        "invalid_request",
        "set both OPENCLAW_MODEL_BASE_URL and OPENCLAW_MODEL_ID (and OPENCLAW_MODEL_API_KEY if the server needs one), or neither",
      ),
    );
  }
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return errResult(runtimeError("invalid_request", `OPENCLAW_MODEL_BASE_URL is not a URL: "${baseUrl}"`));
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return errResult(runtimeError("invalid_request", "OPENCLAW_MODEL_BASE_URL must be http(s)"));
  const offered = resolveOffered(modelId, env.OPENCLAW_MODEL_IDS);
  if (!offered.ok) return offered;
  return okResult({
    baseUrl: baseUrl.replace(/\/+$/, ""),
    apiKey,
    modelId,
    maxOutputTokens: maxOutputTokens.value,
    offered: offered.value,
  });
}
