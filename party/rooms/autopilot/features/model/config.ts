// The Autopilot's model endpoint, read from the Worker's vars and secrets. Every value is
// validated and bounded here (a var is operator input, but a typo must not become a 0 ms
// timeout or a 10 000-step loop); an invalid value leaves the model unconfigured with a
// message naming the variable, never its value (the key is a secret).
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { z } from "zod";
import type { AgentInfo } from "../../../../../shared/protocol/agent";
import { readRiskyGatewayTools } from "../instances/index";

/** The env fields this module reads (the room's Env carries them as optional strings). */
export type ModelEnv = Partial<Record<ModelEnvName, string | undefined>>;
export type ModelEnvName = (typeof MODEL_ENV_NAMES)[number];
export const MODEL_ENV_NAMES = [
  "AUTOPILOT_MODEL_BASE_URL",
  "AUTOPILOT_MODEL_ID",
  "AUTOPILOT_MODEL_API_KEY",
  "AUTOPILOT_MODEL_CONTEXT_TOKENS",
  "AUTOPILOT_MAX_STEPS",
  "AUTOPILOT_MODEL_TIMEOUT_MS",
  "AUTOPILOT_APPROVAL_TTL_MS",
  "AUTOPILOT_RISKY_GATEWAY_TOOLS",
] as const;

export const NO_MODEL_MESSAGE =
  "no model configured: set AUTOPILOT_MODEL_BASE_URL and AUTOPILOT_MODEL_ID (and AUTOPILOT_MODEL_API_KEY if the endpoint needs a key) — Worker secrets in production, the environment of npm start locally";

/** No stream chunk for this long means the endpoint stalled mid-reply. */
const CHUNK_TIMEOUT_MS = 60_000;

const HOUR = 3_600_000;
const integer = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const ModelEnvSchema = z.object({
  AUTOPILOT_MODEL_BASE_URL: z.url({ protocol: /^https?$/ }).max(2000),
  AUTOPILOT_MODEL_ID: z.string().max(200),
  AUTOPILOT_MODEL_API_KEY: z.string().max(4000).optional(),
  AUTOPILOT_MODEL_CONTEXT_TOKENS: integer(2_000, 2_000_000, 16_000),
  AUTOPILOT_MAX_STEPS: integer(1, 50, 8),
  AUTOPILOT_MODEL_TIMEOUT_MS: integer(1_000, 600_000, 120_000),
  AUTOPILOT_APPROVAL_TTL_MS: integer(60_000, 30 * 24 * HOUR, 24 * HOUR),
  AUTOPILOT_RISKY_GATEWAY_TOOLS: z.string().max(4000).optional(),
});

export interface ModelTimeouts {
  /** One model call (request to last chunk). */
  stepMs: number;
  /** Silence between two stream chunks. */
  chunkMs: number;
  /** The whole turn: every step. */
  totalMs: number;
}

export interface ModelConfigured {
  configured: true;
  baseURL: string;
  modelId: string;
  apiKey?: string;
  contextTokens: number;
  maxSteps: number;
  timeouts: ModelTimeouts;
  approvalTtlMs: number;
  /** OpenClaw gateway tools a person must approve first (gateway-catalog.ts). */
  riskyGatewayTools: string[];
}

export interface ModelNotConfigured {
  configured: false;
  /** Required variables that are unset or empty. */
  missing: ModelEnvName[];
  /** Variables set to something unusable, with what is wrong (never the value). */
  invalid: { name: ModelEnvName; problem: string }[];
  /** The one readable line the turn posts as its error. */
  message: string;
}

export type ModelConfig = ModelConfigured | ModelNotConfigured;

export function readModelConfig(env: ModelEnv): ModelConfig {
  // Unset and empty are the same: `--var NAME:` and a blank secret both arrive as "".
  const present: ModelEnv = {};
  for (const name of MODEL_ENV_NAMES) {
    const value = env[name]?.trim();
    if (value) present[name] = value;
  }
  const missing = (["AUTOPILOT_MODEL_BASE_URL", "AUTOPILOT_MODEL_ID"] as const).filter((name) => !present[name]);
  const parsed = ModelEnvSchema.safeParse(present);
  if (missing.length > 0 || !parsed.success) {
    const invalid = parsed.success
      ? []
      : parsed.error.issues
          .map((issue) => ({ name: String(issue.path[0]) as ModelEnvName, problem: issue.message }))
          .filter((issue) => !missing.includes(issue.name as (typeof missing)[number]));
    const message =
      missing.length > 0
        ? NO_MODEL_MESSAGE
        : `invalid model configuration: ${invalid.map((i) => `${i.name}: ${i.problem}`).join("; ")}`;
    return { configured: false, missing, invalid, message };
  }
  const values = parsed.data;
  const stepMs = values.AUTOPILOT_MODEL_TIMEOUT_MS;
  return {
    configured: true,
    baseURL: values.AUTOPILOT_MODEL_BASE_URL,
    modelId: values.AUTOPILOT_MODEL_ID,
    ...(values.AUTOPILOT_MODEL_API_KEY ? { apiKey: values.AUTOPILOT_MODEL_API_KEY } : {}),
    contextTokens: values.AUTOPILOT_MODEL_CONTEXT_TOKENS,
    maxSteps: values.AUTOPILOT_MAX_STEPS,
    timeouts: { stepMs, chunkMs: Math.min(CHUNK_TIMEOUT_MS, stepMs), totalMs: values.AUTOPILOT_MAX_STEPS * stepMs },
    approvalTtlMs: values.AUTOPILOT_APPROVAL_TTL_MS,
    riskyGatewayTools: readRiskyGatewayTools(values.AUTOPILOT_RISKY_GATEWAY_TOOLS),
  };
}

const MODELS = new WeakMap<ModelConfigured, ReturnType<ReturnType<typeof createOpenAICompatible>["chatModel"]>>();

/**
 * The chat model. `includeUsage` makes the provider ask for usage on streams
 * (`stream_options.include_usage`): without it a real endpoint sends none and every usage
 * row would be empty. No apiKey → no Authorization header (a local endpoint).
 */
export function createModel(config: ModelConfigured) {
  // One per config (the room reads it once per wake): a model holds only its settings, and
  // a task built its provider again for every step.
  let model = MODELS.get(config);
  if (!model) {
    model = createOpenAICompatible({
      name: "autopilot",
      baseURL: config.baseURL,
      ...(config.apiKey ? { apiKey: config.apiKey } : {}),
      includeUsage: true,
    }).chatModel(config.modelId);
    MODELS.set(config, model);
  }
  return model;
}

/** What a client's hello says of the Autopilot's model: never the key or the URL. */
export function agentInfo(config: ModelConfig): AgentInfo {
  return config.configured
    ? { model: { configured: true, modelId: config.modelId, missing: [], invalid: [] } }
    : {
        model: {
          configured: false,
          modelId: null,
          missing: config.missing,
          invalid: config.invalid.map((i) => i.name),
        },
      };
}
