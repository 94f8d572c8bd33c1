// What a gateway may ask of the operator's model (pure, shared by both hosts' pass-throughs:
// src/model-passthrough.ts and sandbox/model-egress.ts). A gateway is hostile, and every
// field of a chat completion that fans out or multiplies cost is spent on the operator's key,
// so the request is rebuilt from an allowlist rather than forwarded with a few fields patched:
//   - `model` is the operator's: the one the gateway names if the operator offers it
//     (OPENCLAW_MODEL_IDS, an instance's own model), else the default; fallback lists and routing (`models`, `route`, `provider`,
//     `providerOptions`, `plugins`, …) are dropped with every other unknown field.
//   - `n`, `best_of`, `logprobs`/`top_logprobs`, `prediction`, `service_tier`, `audio`,
//     `modalities`, `web_search_options`, `metadata` are dropped (defaults: one choice, no
//     extras, the default tier); `store` passes only as `false`.
//   - output is capped: `max_tokens` / `max_completion_tokens` are clamped to the operator's
//     bound (RUNTIME_MODEL_MAX_TOKENS), and set to it when the request names neither, so
//     leaving them out is no way around it; reasoning and thinking budgets get the same cap.
//   - tools are function (or custom) tools only, at most MAX_TOOLS: provider-hosted tools
//     (web search and the like) are billed per use.
//   - a streamed call always asks for the usage chunk, which is what the tokens are counted from.
// What the pinned gateway sends (runtime/openclaw, its openai-completions transport) is all
// in the allowlist. A field of the wrong type is refused with a typed error, not forwarded.
import { z } from "zod";
import { DEFAULT_MODEL_MAX_TOKENS, type ModelProviderConfig, offeredModel } from "./model-config";

/** A long conversation with a dozen tool schemas stays far below this. */
export const MAX_REQUEST_BYTES = 8 * 1024 * 1024;
export const MAX_MESSAGES = 20_000;
/** OpenAI's own limit on tools per request. */
export const MAX_TOOLS = 128;

/** A request the pass-through refuses, as an OpenAI-style error (status and `error.type`). */
export class ModelRefusal extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    /** OpenAI's `error.code`, when the refusal has one (e.g. `payment_required`). */
    readonly code?: string,
  ) {
    super(message);
  }
}

const short = (max: number) => z.string().max(max);
const tokens = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const between = (min: number, max: number) => z.number().min(min).max(max);

const toolSchema = z.looseObject({ type: z.enum(["function", "custom"]) });

/** z.object strips every key it does not name: the allowlist. */
const chatRequestSchema = z.object({
  model: z.string().max(200).optional().catch(undefined),
  messages: z
    .array(z.looseObject({ role: short(64) }))
    .min(1)
    .max(MAX_MESSAGES),
  stream: z.boolean().optional(),
  max_tokens: tokens.optional(),
  max_completion_tokens: tokens.optional(),
  temperature: between(0, 2).optional(),
  top_p: between(0, 1).optional(),
  frequency_penalty: between(-2, 2).optional(),
  presence_penalty: between(-2, 2).optional(),
  seed: z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).optional(),
  stop: z.union([short(256), z.array(short(256)).max(16)]).optional(),
  response_format: z.looseObject({ type: short(64) }).optional(),
  tools: z.array(toolSchema).max(MAX_TOOLS).optional(),
  tool_choice: z.union([short(64), z.looseObject({ type: short(64) })]).optional(),
  parallel_tool_calls: z.boolean().optional(),
  tool_stream: z.boolean().optional(),
  store: z.boolean().optional(),
  prompt_cache_key: short(64).optional(),
  reasoning_effort: short(32).optional(),
  reasoning: z
    .object({
      effort: short(32).optional(),
      enabled: z.boolean().optional(),
      exclude: z.boolean().optional(),
      max_tokens: tokens.optional(),
    })
    .optional(),
  thinking: z
    .object({ type: short(32), budget_tokens: tokens.optional(), clear_thinking: z.boolean().optional() })
    .optional(),
  enable_thinking: z.boolean().optional(),
  chat_template_kwargs: z
    .record(short(64), z.union([z.boolean(), short(64), z.number()]))
    .refine((kwargs) => Object.keys(kwargs).length <= 16, "at most 16 chat_template_kwargs")
    .optional(),
});

export type BoundedChatRequest = Record<string, unknown> & { model: string; stream?: boolean };

/** The output cap in effect for an upstream (RUNTIME_MODEL_MAX_TOKENS, or the default). */
export const maxOutputTokensOf = (upstream: Pick<ModelProviderConfig, "maxOutputTokens">): number =>
  upstream.maxOutputTokens ?? DEFAULT_MODEL_MAX_TOKENS;

/**
 * The request to send upstream, built from the allowlist above: the operator's model, the
 * output capped, the usage chunk asked for. Throws ModelRefusal (400) for a bad shape.
 */
export function boundChatRequest(
  json: unknown,
  upstream: Pick<ModelProviderConfig, "modelId" | "maxOutputTokens" | "offered">,
): BoundedChatRequest {
  const parsed = chatRequestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` (${issue.path.join(".")})` : "";
    throw new ModelRefusal(
      400,
      "invalid_request_error",
      `invalid chat completion request${where}: ${issue?.message ?? "bad shape"}`,
    );
  }
  const { model, max_tokens, max_completion_tokens, reasoning, thinking, store, ...allowed } = parsed.data;
  const cap = maxOutputTokensOf(upstream);
  const clamp = (value: number) => Math.min(value, cap);
  const body: BoundedChatRequest = { ...allowed, model: offeredModel(model, upstream) };
  // The field the gateway uses stays the one it uses (some servers know only one of them).
  if (max_completion_tokens !== undefined) body.max_completion_tokens = clamp(max_completion_tokens);
  if (max_tokens !== undefined || max_completion_tokens === undefined) body.max_tokens = clamp(max_tokens ?? cap);
  if (reasoning)
    body.reasoning = {
      ...reasoning,
      ...(reasoning.max_tokens !== undefined ? { max_tokens: clamp(reasoning.max_tokens) } : {}),
    };
  if (thinking)
    body.thinking = {
      ...thinking,
      ...(thinking.budget_tokens !== undefined ? { budget_tokens: clamp(thinking.budget_tokens) } : {}),
    };
  // Stored completions are kept on the operator's account: only "do not store" passes.
  if (store === false) body.store = false;
  // OpenAI sends the usage chunk only when asked.
  if (allowed.stream) body.stream_options = { include_usage: true };
  return body;
}

/** Parses and bounds a request body (bytes already bounded by the caller). */
export function parseChatRequest(
  bytes: Uint8Array,
  upstream: Pick<ModelProviderConfig, "modelId" | "maxOutputTokens" | "offered">,
): BoundedChatRequest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new ModelRefusal(400, "invalid_request_error", "the body is not JSON");
  }
  return boundChatRequest(json, upstream);
}

/** Reads a body, refusing it (413) once it passes `limit`, before or while it arrives. */
export async function readBounded(
  chunks: AsyncIterable<Uint8Array>,
  declaredLength: number,
  limit: number,
): Promise<Uint8Array> {
  const tooLarge = () => new ModelRefusal(413, "request_too_large", `request bodies are limited to ${limit} bytes`);
  if (declaredLength > limit) throw tooLarge();
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    parts.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}
