import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import type { EventFrame } from "../../../../shared/protocol/frames";
import { idem, RawSocket, signUp } from "../../../test/harness";

// The rooms run in this isolate (the workerd test pool), so what they log reaches this
// spy. workerd reported 34 "Can't call WebSocket send() after close()" in one run: replies
// and broadcasts to sockets that had closed meanwhile.
let errors: MockInstance<typeof console.error>;
beforeEach(() => {
  errors = vi.spyOn(console, "error");
});
afterEach(() => errors.mockRestore());
const sendAfterClose = () =>
  errors.mock.calls.filter((args) => args.some((a: unknown) => /send\(\) after close/.test(String(a))));

describe("sockets that close mid-conversation", () => {
  it("a flood closed with 4029 and sockets dropping mid-broadcast: no send() after close(), and a calm socket misses nothing", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    // The flood first: a broadcast visits sockets in the order they came, and one that
    // stopped at the closing flood never reached the calm socket behind it.
    const flood = await RawSocket.open(ws, { cookie: owner.cookie });
    const calm = await RawSocket.open(ws, { cookie: owner.cookie });
    const writer = await RawSocket.open(ws, { cookie: owner.cookie });
    const start = (await calm.hello()).seq;
    await Promise.all([writer.hello(), flood.hello()]);
    // Frames keep arriving after the room has closed the flood: their replies have nowhere to go.
    for (let i = 0; i < 1500; i++)
      flood.send(JSON.stringify({ type: "req", id: `f${i}`, method: "threads.list", params: {} }));
    const writes = 20;
    for (let i = 0; i < writes; i++) {
      // Sockets that leave without waiting, while the room broadcasts to everyone.
      const leaving = await Promise.all(Array.from({ length: 3 }, () => RawSocket.open(ws, { cookie: owner.cookie })));
      const created = writer.ok("threads.create", { title: `t${i}`, idempotencyKey: idem() });
      for (const s of leaving) s.close();
      await created;
    }
    expect((await flood.waitClosed(30_000)).code).toBe(4029);
    await calm.waitFor((f) => f.type === "event" && (f as unknown as EventFrame).seq === start + writes, 15_000);
    const seqs = calm.events().flatMap((e) => (e.seq === undefined ? [] : [e.seq]));
    expect(seqs).toEqual(Array.from({ length: writes }, (_, i) => start + i + 1));
    expect(calm.closed).toBeNull();
    expect((await calm.call("threads.list", {})).ok).toBe(true);
    expect(sendAfterClose()).toEqual([]);
    calm.close();
    writer.close();
  });
});
