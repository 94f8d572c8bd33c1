// Opening a gateway session as a thread (sessions.open) binds the two; clients see the
// binding in their session lists (`sessions.changed`), which the gateway sends only when its
// own list changes — not when the room binds a thread. So the room announces the list
// itself, at once (before, a client waited for the gateway's next change, which might
// never come — most likely why client/test/gateway-in-app/sessions-canvas.ts once timed out
// waiting for it in CI: not reproduced, the fix removes the wait either way).
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { InstanceSessions } from "../../shared/protocol/gateway";
import { putSessions } from "../rooms/autopilot/features/instance-store/gateway";
import { sqlFromStorage } from "../domain/sql";
import type { Autopilot } from "../rooms/autopilot/room";
import { seedInstance } from "./bridge-peer";
import { connected, type Frame, idem } from "./harness";
import { team } from "./hatchery-harness";

const ns = env as unknown as { Autopilot: DurableObjectNamespace<Autopilot> };

const OUTSIDE = "agent:main:outside";

/** A `sessions.changed` frame listing the outside session open as `threadId`. */
const announces = (threadId: string) => (f: Frame) =>
  f.type === "event" &&
  f.event === "sessions.changed" &&
  (f.payload as InstanceSessions).sessions.some((s) => s.key === OUTSIDE && s.threadId === threadId);

describe("sessions.open", () => {
  it("announces the instance's session list, the session now open as its thread, to every client", async () => {
    const { ws, owner, viewer } = await team();
    const [opener, watcher] = await connected(ws, { cookie: owner.cookie }, { cookie: viewer.cookie });
    // The instance and its gateway's list, as the bridge writes them.
    await runInDurableObject(ns.Autopilot.get(ns.Autopilot.idFromName(ws)), (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      seedInstance(sql);
      putSessions(sql, "inst", [
        { key: OUTSIDE, label: "From outside", preview: null, status: "idle", running: false, updatedAt: 100 },
      ]);
    });

    const { thread } = await opener.ok("sessions.open", {
      instanceId: "inst",
      sessionKey: OUTSIDE,
      idempotencyKey: idem(),
    });
    expect(thread.gateway).toEqual({ instanceId: "inst", sessionKey: OUTSIDE });
    for (const socket of [opener, watcher]) {
      const frame = await socket.waitFor<{ payload: InstanceSessions }>(announces(thread.id), 2000);
      expect(frame.payload.instanceId).toBe("inst");
      expect(frame.payload.sessions).toHaveLength(1);
    }
    // Opening it again finds the same thread: nothing was bound, nothing more is announced to the opener.
    const before = opener.events("sessions.changed").length;
    expect(
      (await opener.ok("sessions.open", { instanceId: "inst", sessionKey: OUTSIDE, idempotencyKey: idem() })).thread.id,
    ).toBe(thread.id);
    expect(opener.events("sessions.changed")).toHaveLength(before);
    for (const s of [opener, watcher]) s.close();
  });
});
