import type { ModelMessage } from "ai";
import { describe, expect, it } from "vitest";
import {
  boundRunMessages,
  MAX_RUN_MESSAGES_BYTES,
  TRUNCATED_MARKER,
  TRUNCATED_RESULT_CHARS,
  tooLargeMessage,
} from "../run-storage";

const call = (id: string, input: unknown): ModelMessage => ({
  role: "assistant",
  content: [{ type: "tool-call", toolCallId: id, toolName: "messages_list", input }],
});
const result = (id: string, output: unknown): ModelMessage => ({
  role: "tool",
  content: [{ type: "tool-result", toolCallId: id, toolName: "messages_list", output } as never],
});
const size = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

describe("a paused run's stored messages are bounded to 1 MB", () => {
  it("stores a run under the cap as it is", () => {
    const messages = [
      { role: "user", content: "hi" } as ModelMessage,
      call("c1", {}),
      result("c1", { type: "json", value: { messages: ["a".repeat(50_000)] } }),
    ];
    expect(boundRunMessages(messages)).toEqual({ ok: true, messages, truncated: false });
  });

  it("over the cap, cuts every large tool result to its head with a marker, keeping small ones and denials", () => {
    const big = (i: number) => result(`c${i}`, { type: "json", value: { rows: "x".repeat(300_000) } });
    const messages = [
      call("c0", {}),
      big(0),
      call("c1", {}),
      big(1),
      call("c2", {}),
      big(2),
      call("c3", {}),
      big(3),
      result("c4", { type: "text", value: "small" }),
      result("c5", { type: "execution-denied", reason: "denied by Ann" }),
    ];
    expect(size(messages)).toBeGreaterThan(MAX_RUN_MESSAGES_BYTES);
    const bounded = boundRunMessages(messages);
    if (!bounded.ok) throw new Error("expected it to fit after truncation");
    expect(bounded.truncated).toBe(true);
    expect(size(bounded.messages)).toBeLessThanOrEqual(MAX_RUN_MESSAGES_BYTES);
    const output = (m: ModelMessage) =>
      (m.content as { output: { type: string; value?: string; reason?: string } }[])[0]!.output;
    const first = output(bounded.messages[1]!);
    expect(first.type).toBe("text");
    expect(first.value!.endsWith(TRUNCATED_MARKER)).toBe(true);
    expect(first.value!.length).toBe(TRUNCATED_RESULT_CHARS + TRUNCATED_MARKER.length);
    expect(first.value!.startsWith('{"rows":"xxx')).toBe(true);
    expect(output(bounded.messages[8]!)).toEqual({ type: "text", value: "small" });
    expect(output(bounded.messages[9]!)).toEqual({ type: "execution-denied", reason: "denied by Ann" });
    // The calls themselves are untouched: the SDK re-validates them when the run resumes.
    expect(bounded.messages[0]).toEqual(messages[0]);
  });

  it("a run still over the cap (a huge tool input) is not stored; the thread is told why", () => {
    const messages = [call("c0", { text: "y".repeat(MAX_RUN_MESSAGES_BYTES + 10) })];
    const bounded = boundRunMessages(messages);
    expect(bounded).toEqual({ ok: false, bytes: size(messages) });
    expect(tooLargeMessage(1_000_123)).toMatch(/keep 1001 kB of conversation, more than the 1 MB it may store/);
  });
});

describe("a file in a paused run's messages", () => {
  it("a paused run over the storage cap keeps a marker in place of a file's bytes", () => {
    const big: ModelMessage = {
      role: "user",
      content: [
        { type: "text", text: "see" },
        { type: "image", image: "A".repeat(2_000_000), mediaType: "image/png" },
      ],
    };
    const bounded = boundRunMessages([big]);
    expect(bounded.ok).toBe(true);
    expect(JSON.stringify(bounded)).toContain("left out before storage");
    expect(JSON.stringify(bounded).length).toBeLessThan(10_000);
  });
});
