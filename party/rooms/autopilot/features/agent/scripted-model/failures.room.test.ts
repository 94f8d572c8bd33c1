import { describe, expect, it } from "vitest";
import type { EventFrame } from "../../../../../../shared/protocol/frames";
import { idem } from "../../../../../test/harness";
import { agentRoom, autopilotSays, say } from "./test/harness";

const chatError = (sock: Awaited<ReturnType<typeof agentRoom>>["sock"], threadId: string) =>
  sock
    .waitFor<EventFrame>(
      (f) =>
        f.type === "event" && f.event === "chat.error" && (f.payload as { threadId: string }).threadId === threadId,
      20_000,
    )
    .then((f) => f.payload as { error: string; messageId: string | null });

describe("when the model fails, the thread says so and nothing else is affected", () => {
  for (const [marker, expected] of [
    ["FAIL500", /^model request failed: HTTP 500/],
    ["HANG", /^the model did not answer within 6 s/],
    ["MALFORMED", /^the model's stream was malformed/],
  ] as const) {
    it(`${marker}: an error message and chat.error; another thread still gets its answer`, async () => {
      const { sock, thread } = await agentRoom();
      const { thread: other } = await sock.ok("threads.create", { title: "Other", idempotencyKey: idem() });
      await say(sock, thread.id, marker);
      const error = await chatError(sock, thread.id);
      expect(error.error).toMatch(expected);
      const message = await autopilotSays(sock, thread.id, (m) => m.kind === "error");
      expect(message.id).toBe(error.messageId);
      expect(message.text).toBe(error.error);
      await say(sock, other.id, "SAY: fine here");
      await autopilotSays(sock, other.id, (m) => m.text === "fine here");
      // The failed thread answers the next message too.
      await say(sock, thread.id, "SAY: recovered");
      await autopilotSays(sock, thread.id, (m) => m.text === "recovered");
      sock.close();
    });
  }

  it("chat.abort mid-stream keeps what had streamed, marked stopped", async () => {
    const { sock, thread } = await agentRoom();
    await say(sock, thread.id, "SLOW");
    await sock.waitFor(
      (f) => f.type === "event" && f.event === "chat.delta" && (f.payload as { text: string }).text.length > 0,
    );
    const stopped = await sock.ok("chat.abort", { threadId: thread.id, idempotencyKey: idem() });
    expect(stopped).toMatchObject({ aborted: true });
    const final = await sock.waitFor<EventFrame>(
      (f) => f.type === "event" && f.event === "chat.final" && (f.payload as { aborted: boolean }).aborted,
    );
    const message = await autopilotSays(sock, thread.id, (m) => m.aborted === true);
    expect((final.payload as { messageId: string }).messageId).toBe(message.id);
    expect(message.text.startsWith("word0")).toBe(true);
    expect(message.text).not.toContain("END.");
    sock.close();
  });
});
