// The Autopilot's small model calls beside a reply: a thread's rolling summary and its
// title. Each is one generateText, timed and counted as a usage row like a reply's steps.
import { generateText, type LanguageModel } from "ai";
import type { Sql } from "../../../../domain/sql";
import { recordUsage, type UsagePurpose } from "./usage";
import type { CallEnd, SpendGate } from "../billing/index";
import { inputTokenBound, reportedTokens } from "../billing/index";
import type { ModelConfigured } from "./config";
import { errorLogFields } from "./model-errors";
import { MODEL_TELEMETRY, totalTimeout } from "./run-stream";

export interface SideCall {
  sql: Sql;
  config: ModelConfigured;
  model: LanguageModel;
  threadId: string;
  runId: string;
  principalId: string;
  abortSignal?: AbortSignal;
  /** Checked before the call like a reply's steps (a refused side call is skipped), its cost recorded after. */
  spend: SpendGate;
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
  const input = inputTokenBound(instructions, [{ role: "user", content: prompt }]);
  const estimate = call.spend.modelEstimate(call.config.modelId, input, maxOutputTokens);
  const verdict = call.spend.check({ principalId: call.principalId, projectId: null, taskId: null }, estimate);
  // Out of credits or over a budget: the summary or title is left out, the reply says why.
  if (verdict.kind !== "ok") return null;
  const charge = (inputTokens: number | null, outputTokens: number | null, ended: CallEnd) =>
    call.spend.recordModelCall(verdict.reservation, {
      id: `${purpose}:${call.runId}:${crypto.randomUUID()}`,
      at: started,
      purpose,
      model: call.config.modelId,
      inputTokens,
      outputTokens,
      ended,
      runId: call.runId,
      threadId: call.threadId,
    });
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
      telemetry: MODEL_TELEMETRY,
    });
    // What the endpoint reported, as counts (remote input).
    const inputTokens = reportedTokens(result.usage.inputTokens);
    const outputTokens = reportedTokens(result.usage.outputTokens);
    recordUsage(call.sql, {
      ...row,
      at: started,
      inputTokens,
      outputTokens,
      durationMs: Date.now() - started,
      ok: true,
    });
    charge(inputTokens, outputTokens, "answered");
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
    // Stopped with the reply (it may have run), or failed: an outage costs nothing.
    charge(null, null, call.abortSignal?.aborted ? "stopped" : "failed");
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
