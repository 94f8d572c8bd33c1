import { describe, expect, it } from "vitest";
import { createKey, idem, RawSocket } from "../../../../../test/harness";
import { agentRoom, autopilotSays, say } from "./test/harness";

// A key without `read` (issue 68, party/rooms/shared/reading.ts): while the Autopilot streams a
// reply to someone else, its socket gets no delta, no final and no message, and a hello in the
// middle of the reply carries none of it either.

describe("a key without read while a reply streams", () => {
  it("hears nothing of the reply, live or in its hello", async () => {
    const { owner, sock, thread } = await agentRoom();
    const key = await createKey(owner, owner.workspaceId, ["write"], "write-only");
    const blind = await RawSocket.open(owner.workspaceId, { key: key.key });
    await blind.hello();

    await say(sock, thread.id, "SLOW please");
    await sock.waitFor((f) => f.type === "event" && f.event === "chat.delta", 10_000);
    // Greeted mid-reply: no live streams in its hello.
    const late = await RawSocket.open(owner.workspaceId, { key: key.key }, { device: "late" });
    expect((await late.hello()).live).toBeUndefined();
    const reply = await autopilotSays(sock, thread.id);
    expect(reply.text).toContain("END.");

    // Its own request, answered after the reply's last frame went out: nothing of it came before.
    for (const s of [blind, late]) {
      await s.ok("threads.create", { title: "blind", idempotencyKey: idem() });
      expect(s.events().map((e) => e.event)).toEqual(["hello"]);
      expect(JSON.stringify(s.frames)).not.toContain("word39");
    }
    for (const s of [sock, blind, late]) s.close();
  });
});
