// The model provider the gateways are configured with, read from the runtime's environment.
// Pure (no Node APIs): shared by the process host (config.ts reads process.env) and the
// sandbox host (the Worker's env bindings).
import { errResult, okResult, runtimeError, type Result } from "./errors";

export interface ModelProviderConfig {
  baseUrl: string;
  apiKey: string | undefined;
  modelId: string;
}

/** The variables it reads; anything else in the environment is ignored. */
export interface ModelEnv {
  OPENCLAW_MODEL_BASE_URL?: string | undefined;
  OPENCLAW_MODEL_ID?: string | undefined;
  OPENCLAW_MODEL_API_KEY?: string | undefined;
}

export function resolveModel(env: ModelEnv): Result<ModelProviderConfig | undefined> {
  const baseUrl = env.OPENCLAW_MODEL_BASE_URL?.trim() || undefined;
  const modelId = env.OPENCLAW_MODEL_ID?.trim() || undefined;
  const apiKey = env.OPENCLAW_MODEL_API_KEY || undefined;
  if (!baseUrl && !modelId) return okResult(undefined);
  if (!baseUrl || !modelId) {
    return errResult(runtimeError("invalid_request", "set both OPENCLAW_MODEL_BASE_URL and OPENCLAW_MODEL_ID (and OPENCLAW_MODEL_API_KEY if the server needs one), or neither"));
  }
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return errResult(runtimeError("invalid_request", `OPENCLAW_MODEL_BASE_URL is not a URL: "${baseUrl}"`));
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return errResult(runtimeError("invalid_request", "OPENCLAW_MODEL_BASE_URL must be http(s)"));
  return okResult({ baseUrl: baseUrl.replace(/\/+$/, ""), apiKey, modelId });
}
