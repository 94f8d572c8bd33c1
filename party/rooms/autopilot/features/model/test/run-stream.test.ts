// One run segment against the scripted model over loopback, through the real AI SDK and
// the real room tool set (its `call` records instead of dispatching: the room is not part
// of this unit). Pause → JSON → resume is what the room will do across an eviction.
import type { ModelMessage } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  agentScript,
  type ScriptedModel,
  scriptedUsage,
  startScriptedModel,
} from "../../../../../../runtime/test/scripted-model";
import { createModel, type ModelConfigured, readModelConfig } from "../config";
import {
  pendingApprovals,
  type RunEvent,
  type RunOutcome,
  type RunStreamOptions,
  resumeMessages,
  runStream,
} from "../run-stream";
import { roomTools, runScopes, toolApprovalPolicy } from "../../toolset/index";

let scripted: ScriptedModel;
let config: ModelConfigured;
const calls: { method: string; params: unknown }[] = [];

beforeAll(async () => {
  scripted = await startScriptedModel({ usage: "when-asked" });
  scripted.setReply(agentScript);
  const read = readModelConfig({
    AUTOPILOT_MODEL_BASE_URL: scripted.baseUrl,
    AUTOPILOT_MODEL_ID: "scripted-model",
    AUTOPILOT_MODEL_TIMEOUT_MS: "3000",
  });
  if (!read.configured) throw new Error(read.message);
  config = read;
});
afterAll(async () => {
  await scripted.close();
});

const user = (text: string): ModelMessage => ({ role: "user", content: `Alice (user): ${text}` });

async function segment(
  messages: ModelMessage[],
  overrides: Partial<RunStreamOptions> = {},
  triggerScopes: ("read" | "write" | "approve" | "admin")[] = ["read", "write", "approve"],
) {
  const events: RunEvent[] = [];
  const scopes = runScopes(triggerScopes);
  const outcome: RunOutcome = await runStream({
    model: createModel(config),
    instructions: "You are the Autopilot.",
    messages,
    tools: roomTools(scopes, async (method, params) => {
      calls.push({ method, params });
      return { ok: true, method };
    }),
    toolApproval: toolApprovalPolicy(scopes),
    maxSteps: config.maxSteps,
    timeouts: config.timeouts,
    maxRetries: 0,
    onEvent: (event) => {
      events.push(event);
    },
    ...overrides,
  });
  return {
    events,
    outcome,
    of: <T extends RunEvent["type"]>(type: T) =>
      events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type),
  };
}

describe("runStream", () => {
  it("streams text deltas with contiguous offsets and reports the model call's usage", async () => {
    const before = scripted.requests.length;
    const { outcome, of } = await segment([user("SAY: a reply long enough to arrive in several pieces")]);
    expect(outcome).toMatchObject({
      status: "finished",
      finishReason: "stop",
      approvals: [],
      text: "a reply long enough to arrive in several pieces",
    });
    const texts = of("text");
    expect(texts.length).toBeGreaterThan(3);
    let offset = 0;
    for (const delta of texts) {
      expect(delta.offset).toBe(offset);
      offset += delta.text.length;
    }
    const usage = scriptedUsage(scripted.requests[before]!, {
      text: "a reply long enough to arrive in several pieces",
    });
    const [call] = of("model-call");
    expect(call).toMatchObject({
      ended: "answered",
      inputTokens: usage.prompt_tokens,
      outputTokens: usage.completion_tokens,
      finishReason: "stop",
    });
    expect(call!.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("runs a multi-step tool loop: each tool started and finished with its duration, one model call per step", async () => {
    calls.length = 0;
    const { outcome, of, events } = await segment([
      user('STEPS: threads_list {} ; threads_rename {"threadId":"thr_1","title":"Plans"}'),
    ]);
    expect(outcome).toMatchObject({
      status: "finished",
      finishReason: "stop",
      text: 'TOOL RESULT SEEN: {"ok":true,"method":"threads.rename"}',
    });
    expect(calls).toEqual([
      { method: "threads.list", params: { includeArchived: false, limit: 1000 } },
      { method: "threads.rename", params: { threadId: "thr_1", title: "Plans" } },
    ]);
    expect(
      events.filter((e) => e.type.startsWith("tool-")).map((e) => `${e.type}:${"tool" in e ? e.tool : ""}`),
    ).toEqual([
      "tool-started:threads_list",
      "tool-finished:threads_list",
      "tool-started:threads_rename",
      "tool-finished:threads_rename",
    ]);
    for (const finished of of("tool-finished"))
      expect(finished).toMatchObject({ status: "ok", output: { ok: true }, durationMs: expect.any(Number) });
    expect(of("model-call").map((c) => c.finishReason)).toEqual(["tool-calls", "tool-calls", "stop"]);
  });

  it("text from a later step starts a new paragraph of the segment's text", async () => {
    const own = await startScriptedModel({ usage: "when-asked" });
    own.setReply((request) =>
      request.messages?.at(-1)?.role === "tool"
        ? { text: "Found one." }
        : { text: "Let me look.", toolCall: { name: "threads_list", arguments: {} } },
    );
    try {
      const { outcome, of } = await segment([user("anything")], {
        model: createModel({ ...config, baseURL: own.baseUrl }),
      });
      expect(outcome).toMatchObject({ status: "finished", text: "Let me look.\n\nFound one." });
      expect(
        of("text")
          .map((d) => d.text)
          .join(""),
      ).toBe("Let me look.\n\nFound one.");
    } finally {
      await own.close();
    }
  });

  it("a tool that throws finishes with status error, and the loop goes on with the error as its result", async () => {
    const tools = roomTools(["read", "write"], async () => {
      throw new Error("thread thr_9 not found");
    });
    const { outcome, of } = await segment([user('STEPS: threads_rename {"threadId":"thr_9","title":"X"}')], { tools });
    expect(of("tool-finished")).toEqual([
      expect.objectContaining({
        tool: "threads_rename",
        status: "error",
        error: "thread thr_9 not found",
        durationMs: expect.any(Number),
      }),
    ]);
    expect(outcome).toMatchObject({ status: "finished", text: expect.stringContaining("thread thr_9 not found") });
  });

  it("a viewer's run sends the model no write tools", async () => {
    const before = scripted.requests.length;
    await segment([user("SAY: hi")], {}, ["read"]);
    const names = (scripted.requests[before]!.tools ?? []).map((t) => t.function.name);
    expect(names).toContain("threads_list");
    expect(names).not.toContain("threads_rename");
    expect(names).not.toContain("approvals_resolve");
  });

  it("pauses on a gated tool; the stored messages survive JSON; approving runs the tool exactly once", async () => {
    calls.length = 0;
    const messages = [user('TOOLS: threads_list {} | threads_archive {"threadId":"thr_1"}')];
    const paused = await segment(messages);
    if (paused.outcome.status !== "finished") throw new Error(`expected a pause, got ${paused.outcome.status}`);
    expect(paused.outcome.finishReason).toBe("tool-calls");
    // The mixed step: the ungated tool ran at once, the gated one waits.
    expect(calls.map((c) => c.method)).toEqual(["threads.list"]);
    const [request] = paused.outcome.approvals;
    expect(request).toMatchObject({
      tool: "threads_archive",
      input: { threadId: "thr_1", archived: true },
      approvalId: expect.any(String),
      toolCallId: expect.any(String),
    });
    expect(paused.of("approval-requested")).toEqual([{ type: "approval-requested", ...request }]);

    const stored = JSON.parse(JSON.stringify([...messages, ...paused.outcome.responseMessages])) as ModelMessage[];
    expect(pendingApprovals(stored)).toEqual([request]);

    const resumed = resumeMessages(stored, { approvalId: request!.approvalId, approved: true });
    const after = await segment(resumed);
    expect(after.outcome).toMatchObject({
      status: "finished",
      finishReason: "stop",
      text: 'TOOL RESULT SEEN: {"ok":true,"method":"threads.archive"}',
    });
    expect(calls.map((c) => c.method)).toEqual(["threads.list", "threads.archive"]);
    // The approved call is reported as started on resume, before it finishes.
    expect(after.events.filter((e) => e.type.startsWith("tool-")).map((e) => e.type)).toEqual([
      "tool-started",
      "tool-finished",
    ]);
    expect(after.of("tool-started")).toEqual([
      expect.objectContaining({ tool: "threads_archive", toolCallId: request!.toolCallId }),
    ]);
    expect(after.of("tool-finished")).toEqual([
      expect.objectContaining({
        tool: "threads_archive",
        status: "ok",
        toolCallId: request!.toolCallId,
        durationMs: expect.any(Number),
      }),
    ]);
    if (after.outcome.status !== "finished") return;
    expect(pendingApprovals([...resumed, ...after.outcome.responseMessages])).toEqual([]);
  });

  it("replaying a resumed run with its stored result does not run the tool again (the SDK never dedupes: the stored result does)", async () => {
    calls.length = 0;
    const messages = [user('STEPS: threads_archive {"threadId":"thr_4"}')];
    const paused = await segment(messages);
    if (paused.outcome.status !== "finished") throw new Error("expected a pause");
    const resumed = resumeMessages([...messages, ...paused.outcome.responseMessages], {
      approvalId: paused.outcome.approvals[0]!.approvalId,
      approved: true,
    });
    const after = await segment(resumed);
    if (after.outcome.status !== "finished") throw new Error("expected a finished run");
    expect(calls).toHaveLength(1);
    await segment([...resumed, ...after.outcome.responseMessages, user("SAY: thanks")]);
    expect(calls).toHaveLength(1);
  });

  it("denying never runs the tool, and the model receives the reason", async () => {
    calls.length = 0;
    const messages = [user('STEPS: threads_archive {"threadId":"thr_2"}')];
    const paused = await segment(messages);
    if (paused.outcome.status !== "finished") throw new Error("expected a pause");
    const [request] = paused.outcome.approvals;
    const stored = JSON.parse(JSON.stringify([...messages, ...paused.outcome.responseMessages])) as ModelMessage[];
    const before = scripted.requests.length;
    const denied = await segment(
      resumeMessages(stored, { approvalId: request!.approvalId, approved: false, reason: "denied by Bob: not today" }),
    );
    expect(calls).toEqual([]);
    expect(denied.of("tool-finished")).toEqual([
      {
        type: "tool-finished",
        toolCallId: request!.toolCallId,
        tool: "threads_archive",
        input: { threadId: "thr_2", archived: true },
        status: "denied",
        reason: "denied by Bob: not today",
        durationMs: null,
      },
    ]);
    const toolMessage = scripted.requests[before]!.messages!.filter((m) => m.role === "tool").at(-1);
    expect(JSON.stringify(toolMessage?.content)).toContain("denied by Bob: not today");
    expect(denied.outcome).toMatchObject({
      status: "finished",
      text: expect.stringContaining("denied by Bob: not today"),
    });
  });

  it("a call the policy denies on its own (outside the run's scopes) is denied with the policy's reason, no approval asked", async () => {
    calls.length = 0;
    const messages = [user('STEPS: threads_archive {"threadId":"thr_3"}')];
    const { outcome, of } = await segment(messages, { toolApproval: toolApprovalPolicy(["read"]) });
    expect(calls).toEqual([]);
    expect(of("approval-requested")).toEqual([]);
    expect(of("tool-finished")).toEqual([
      expect.objectContaining({
        tool: "threads_archive",
        status: "denied",
        reason: "the run may not use threads_archive",
        input: { threadId: "thr_3", archived: true },
      }),
    ]);
    if (outcome.status !== "finished") throw new Error("expected a finished run");
    expect(outcome).toMatchObject({ approvals: [], text: "TOOL RESULT SEEN: the run may not use threads_archive" });
    expect(pendingApprovals([...messages, ...outcome.responseMessages])).toEqual([]);
  });

  it("HTTP 500 → failed with the readable line and a failed model call", async () => {
    const { outcome, of } = await segment([user("FAIL500")]);
    expect(outcome).toEqual({
      status: "failed",
      text: "",
      error: "model request failed: HTTP 500: scripted upstream failure",
      transient: { retryAfterMs: null },
    });
    expect(of("model-call")).toEqual([
      expect.objectContaining({ ended: "failed", inputTokens: null, outputTokens: null }),
    ]);
  });

  it("a malformed stream → failed, keeping the text so far", async () => {
    const { outcome } = await segment([user("MALFORMED")]);
    expect(outcome).toEqual({
      status: "failed",
      text: "this str",
      error: "the model's stream was malformed",
      transient: null,
    });
  });

  it("no answer → failed by the step timeout; silence mid-stream → failed by the chunk timeout", async () => {
    const hung = await segment([user("HANG")], { timeouts: { stepMs: 500, chunkMs: 500, totalMs: 5000 } });
    const check = ": check AUTOPILOT_MODEL_BASE_URL, or raise AUTOPILOT_MODEL_TIMEOUT_MS";
    expect(hung.outcome).toEqual({
      status: "failed",
      text: "",
      error: `the model did not answer within 0.5 s${check}`,
      transient: { retryAfterMs: null },
    });
    const mid = await segment([user("HANGMID")], { timeouts: { stepMs: 5000, chunkMs: 400, totalMs: 5000 } });
    expect(mid.outcome).toEqual({
      status: "failed",
      text: "partial ",
      error: `the model stopped sending within 0.4 s${check}`,
      transient: { retryAfterMs: null },
    });
  });

  it("the chunk timeout is the silence between chunks, not the call's length, and a tool's run is not silence", async () => {
    // 20 pieces 40 ms apart: the call lasts about four chunk timeouts, each gap a fifth of one.
    const long = await segment([user("STREAM: 20x40")], { timeouts: { stepMs: 5000, chunkMs: 200, totalMs: 5000 } });
    expect(long.outcome).toMatchObject({ status: "finished", text: expect.stringMatching(/^.{160}$/) });
    // A tool running for three chunk timeouts between two model calls.
    const slowTool = roomTools(runScopes(["read", "write"]), async (method) => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      return { ok: true, method };
    });
    const tooled = await segment([user("STEPS: threads_list {}")], {
      tools: slowTool,
      timeouts: { stepMs: 5000, chunkMs: 200, totalMs: 5000 },
    });
    expect(tooled.outcome).toMatchObject({
      status: "finished",
      text: 'TOOL RESULT SEEN: {"ok":true,"method":"threads.list"}',
    });
  });

  it("aborting mid-stream → aborted with our reason and the partial text", async () => {
    const abort = new AbortController();
    const { outcome } = await segment([user("SLOW")], {
      abortSignal: abort.signal,
      onEvent: (event) => {
        if (event.type === "text" && event.offset >= 16) abort.abort(new Error("stopped by Bob"));
      },
    });
    expect(outcome.status).toBe("aborted");
    if (outcome.status !== "aborted") return;
    expect(outcome.reason).toBe("stopped by Bob");
    expect(outcome.text.startsWith("word0 word1 word2")).toBe(true);
    expect(outcome.text).not.toContain("END.");
  });
});
