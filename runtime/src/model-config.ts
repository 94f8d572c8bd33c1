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
}

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
  return okResult({ baseUrl: baseUrl.replace(/\/+$/, ""), apiKey, modelId, maxOutputTokens: maxOutputTokens.value });
}
