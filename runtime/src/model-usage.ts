// Token usage of model calls (pure, for both hosts' pass-throughs), and how each ended: read out of
// OpenAI-compatible answers (the `usage` of a JSON completion, or of the last stream chunk
// that carries one) and added up per instance. Answers come from the operator's upstream but
// pass through a hostile gateway's request, so every value is validated and every buffer
// bounded.
import { z } from "zod";
import type { ModelUsage } from "../../shared/runtime/usage";

/** What one model call reports (OpenAI `usage`), or null when its answer carried none. */
export interface CallUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** The usage after one more call (both hosts' ledgers: usage-ledger.ts, sandbox/model-records.ts). */
export function addCall(usage: ModelUsage, call: CallUsage | null, at = new Date()): ModelUsage {
  const iso = at.toISOString();
  return {
    requests: usage.requests + 1,
    promptTokens: usage.promptTokens + (call?.promptTokens ?? 0),
    completionTokens: usage.completionTokens + (call?.completionTokens ?? 0),
    totalTokens: usage.totalTokens + (call?.totalTokens ?? 0),
    unmetered: usage.unmetered + (call ? 0 : 1),
    since: usage.since ?? iso,
    updatedAt: iso,
  };
}

/**
 * The most a call can have used: every byte of the request sent upstream a token (each token of
 * any tokenizer stands for at least one byte of UTF-8, and the JSON's framing stands for the chat
 * template's markers), and every output token of the cap the request carries.
 */
export interface CallBound {
  promptTokens: number;
  completionTokens: number;
}

/**
 * What a call is counted: the upstream's report, but never more than the call could have used
 * (an endpoint's word is no bound); `over` says a report passed it, for the operator's log.
 */
export function boundedCall(usage: CallUsage | null, bound: CallBound): { usage: CallUsage | null; over: boolean } {
  if (!usage) return { usage, over: false };
  const promptTokens = Math.min(usage.promptTokens, bound.promptTokens);
  const completionTokens = Math.min(usage.completionTokens, bound.completionTokens);
  const over = promptTokens < usage.promptTokens || completionTokens < usage.completionTokens;
  if (!over) return { usage, over };
  return { usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens }, over };
}

const tokens = z.number().int().nonnegative().max(1e9);
const usageSchema = z.object({ prompt_tokens: tokens, completion_tokens: tokens, total_tokens: tokens.optional() });

/** The usage in a completion or chunk object, or null. */
export function usageOf(value: unknown): CallUsage | null {
  if (typeof value !== "object" || value === null || !("usage" in value)) return null;
  const parsed = usageSchema.safeParse(value.usage);
  if (!parsed.success) return null;
  const { prompt_tokens, completion_tokens, total_tokens } = parsed.data;
  return {
    promptTokens: prompt_tokens,
    completionTokens: completion_tokens,
    totalTokens: total_tokens ?? prompt_tokens + completion_tokens,
  };
}

const finishSchema = z.object({
  choices: z.array(z.object({ finish_reason: z.string().max(64).nullish() }).loose()).min(1),
});

/** The first choice's finish reason in a completion or chunk object (a span's), or null. */
export function finishReasonOf(value: unknown): string | null {
  const parsed = finishSchema.safeParse(value);
  return parsed.success ? (parsed.data.choices[0]?.finish_reason ?? null) : null;
}

/** Longer `data:` lines are forwarded untouched but not parsed (a usage chunk is tiny). */
export const MAX_SCANNED_LINE_BYTES = 64 * 1024;

/**
 * Watches a server-sent-events stream as it is forwarded and keeps the last usage seen. Holds
 * at most one partial line, and drops a line that grows past the bound.
 */
export class SseUsageScanner {
  usage: CallUsage | null = null;
  /** The last finish reason seen (the chunk that ends the choice carries it). */
  finishReason: string | null = null;
  private partial = "";
  private skipping = false;
  private readonly decoder = new TextDecoder();

  push(chunk: Uint8Array): void {
    const lines = (this.partial + this.decoder.decode(chunk, { stream: true })).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) {
      if (this.skipping) this.skipping = false;
      else this.scanLine(line);
    }
    if (this.partial.length > MAX_SCANNED_LINE_BYTES) {
      this.partial = "";
      this.skipping = true;
    }
  }

  private scanLine(raw: string): void {
    const line = raw.trimEnd();
    if (!line.startsWith("data:")) return;
    const data = line.slice(5).trim();
    if (data === "" || data === "[DONE]") return;
    try {
      const parsed: unknown = JSON.parse(data);
      const usage = usageOf(parsed);
      if (usage) this.usage = usage;
      const finish = finishReasonOf(parsed);
      if (finish) this.finishReason = finish;
    } catch {
      // not JSON: forwarded as is, nothing to count
    }
  }
}
