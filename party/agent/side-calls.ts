// The Autopilot's small model calls beside a reply: a thread's rolling summary and its
// title. Each is one generateText, timed and counted as a usage row like a reply's steps.
import { generateText, type LanguageModel } from "ai";
import type { Sql } from "../domain/sql";
import { recordUsage, type UsagePurpose } from "../rooms/autopilot/domain/usage";
import type { ModelConfigured } from "./config";
import { errorLogFields } from "./model-errors";
import { totalTimeout } from "./run-stream";

export interface SideCall {
  sql: Sql;
  config: ModelConfigured;
  model: LanguageModel;
  threadId: string;
  runId: string;
  principalId: string;
  abortSignal?: AbortSignal;
}

/** The model's text, or null when the call failed (logged: name, status, scrubbed message). */
export async function sideCall(
  call: SideCall,
  purpose: Exclude<UsagePurpose, "reply">,
  instructions: string,
  prompt: string,
  maxOutputTokens: number,
): Promise<string | null> {
  const started = Date.now();
  const row = {
    threadId: call.threadId,
    runId: call.runId,
    principalId: call.principalId,
    purpose,
    model: call.config.modelId,
  };
  // Not the SDK's timeout.totalMs: its timer outlives the call (run-stream.ts totalTimeout).
  const limit = totalTimeout(call.config.timeouts.stepMs);
  try {
    const result = await generateText({
      model: call.model,
      instructions,
      prompt,
      maxOutputTokens,
      maxRetries: 1,
      abortSignal: call.abortSignal ? AbortSignal.any([call.abortSignal, limit.signal]) : limit.signal,
    });
    recordUsage(call.sql, {
      ...row,
      at: started,
      inputTokens: result.usage.inputTokens ?? null,
      outputTokens: result.usage.outputTokens ?? null,
      durationMs: Date.now() - started,
      ok: true,
    });
    return result.text;
  } catch (error) {
    recordUsage(call.sql, {
      ...row,
      at: started,
      inputTokens: null,
      outputTokens: null,
      durationMs: Date.now() - started,
      ok: false,
    });
    console.error(
      JSON.stringify({
        msg: `autopilot ${purpose} call failed`,
        ...errorLogFields(error, call.config.apiKey, call.config.baseURL),
      }),
    );
    return null;
  } finally {
    limit.clear();
  }
}

/** A model's title made safe: one line, no quotes or final punctuation, at most 80 characters. */
export function cleanTitle(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .replace(/^["'“”‘’`*#\s]+|["'“”‘’`*.!?\s]+$/g, "")
    .slice(0, 80)
    .trim();
}
