import { describe, expect, it } from "vitest";
import type { EventFrame } from "../../../../../shared/protocol/frames";
import type { Message } from "../../../../../shared/protocol/threads";
import { NO_MODEL_MESSAGE } from "../model/config";
import { idem, ownWorkspace } from "../../../../test/harness";

// This project runs with no AUTOPILOT_MODEL_* configured (vitest.worker.config.ts).
describe("the Autopilot without a model", () => {
  it("says so in hello, leaves new threads silent, and answers a thread set to it with the one message naming the variables", async () => {
    const { sock, hello } = await ownWorkspace();
    expect(hello.agent).toEqual({
      model: {
        configured: false,
        modelId: null,
        missing: ["AUTOPILOT_MODEL_BASE_URL", "AUTOPILOT_MODEL_ID"],
        invalid: [],
      },
    });

    const { thread } = await sock.ok("threads.create", { title: "Plans", idempotencyKey: idem() });
    expect(thread.responder).toEqual({ kind: "none", reply: "every", agents: false });
    expect(
      await sock.call("threads.configure", { threadId: thread.id, responder: "openclaw", idempotencyKey: idem() }),
    ).toMatchObject({ ok: false, error: { code: "conflict" } });
    const { thread: configured } = await sock.ok("threads.configure", {
      threadId: thread.id,
      responder: "autopilot",
      reply: "mention",
      idempotencyKey: idem(),
    });
    expect(configured.responder).toEqual({ kind: "autopilot", reply: "mention", agents: false });
    await sock.waitFor((f) => f.type === "event" && f.event === "thread.updated");

    // Reply "mention": only a message naming @autopilot is answered.
    await sock.ok("chat.send", { threadId: thread.id, text: "just notes", idempotencyKey: idem() });
    const { message: asked } = await sock.ok("chat.send", {
      threadId: thread.id,
      text: "@autopilot what next?",
      idempotencyKey: idem(),
    });
    const error = await sock.waitFor<EventFrame>((f) => f.type === "event" && f.event === "chat.error");
    expect((error.payload as { error: string }).error).toBe(NO_MODEL_MESSAGE);
    const fromAutopilot = sock
      .events("message.created")
      .map((e) => (e.payload as { message: Message }).message)
      .filter((m) => m.author.id === "autopilot");
    expect(fromAutopilot).toHaveLength(1);
    expect(fromAutopilot[0]).toMatchObject({
      kind: "error",
      text: NO_MODEL_MESSAGE,
      author: { kind: "agent", name: "Autopilot" },
    });
    expect(fromAutopilot[0]!.n).toBeGreaterThan(asked.n);
    expect((error.payload as { messageId: string }).messageId).toBe(fromAutopilot[0]!.id);
    sock.close();
  });
});
