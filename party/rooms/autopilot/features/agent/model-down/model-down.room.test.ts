import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EventFrame } from "../../../../../../shared/protocol/frames";
import type { Message } from "../../../../../../shared/protocol/threads";
import { idem, RawSocket, signUp } from "../../../../../test/harness";

// This project's model URL is a loopback port nothing listens on (party/test/support/closed-port-setup.ts).
describe("the Autopilot with its model endpoint down", () => {
  it("the thread's error says the endpoint cannot be reached and names AUTOPILOT_MODEL_BASE_URL, never the URL or the key", async () => {
    const modelUrl = (env as unknown as { AUTOPILOT_MODEL_BASE_URL: string }).AUTOPILOT_MODEL_BASE_URL;
    const owner = await signUp();
    const sock = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    const hello = await sock.hello();
    expect(hello.agent?.model.configured).toBe(true);
    const { thread } = await sock.ok("threads.create", { title: "Is anyone there", idempotencyKey: idem() });
    expect(thread.responder).toEqual({ kind: "autopilot", reply: "every", agents: false });
    await sock.ok("chat.send", { threadId: thread.id, text: "hello?", idempotencyKey: idem() });

    // The SDK retries a connection failure twice with backoff before giving up.
    const error = await sock.waitFor<EventFrame>((f) => f.type === "event" && f.event === "chat.error", 30_000);
    const { error: line, messageId } = error.payload as { error: string; messageId: string };
    // workerd reports a refused connection as "Network connection lost.".
    expect(line).toBe("cannot reach the model endpoint (connection lost): check AUTOPILOT_MODEL_BASE_URL");
    const message = sock
      .events("message.created")
      .map((e) => (e.payload as { message: Message }).message)
      .find((m) => m.id === messageId);
    expect(message).toMatchObject({ kind: "error", text: line, author: { id: "autopilot" } });
    const port = new URL(modelUrl).port;
    for (const frame of sock.frames) {
      const text = JSON.stringify(frame);
      expect(text).not.toContain(modelUrl);
      expect(text).not.toContain(`127.0.0.1:${port}`);
      expect(text).not.toContain("sk-autopilot-down-test-key");
    }
    sock.close();
  });
});
