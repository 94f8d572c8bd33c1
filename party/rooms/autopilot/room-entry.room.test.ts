// The Autopilot's one RPC entry (room.ts `call`) in the real room (workerd): a feature's RPC
// by its name answers as that feature does, and a name no feature gives (the names come over
// the wire from other Workers) is refused with the typed error, the room still serving after.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomCall } from "../../room-rpc";
import type { Autopilot } from "./room";
import { ownWorkspace } from "../../test/harness";

const rooms = (env as unknown as { Autopilot: DurableObjectNamespace<Autopilot> }).Autopilot;
/** The entry as a caller that types nothing sees it: any name, any arguments. */
const untyped = (ws: string) =>
  rooms.getByName(ws) as unknown as { call(name: unknown, ...args: unknown[]): Promise<unknown> };

/** What the entry answers `name` with when it refuses it (null: it did not). */
async function refusal(ws: string, name: unknown): Promise<{ code?: unknown; message: string } | null> {
  try {
    await untyped(ws).call(name);
    return null;
  } catch (error) {
    return error as { code?: unknown; message: string };
  }
}

describe("the room's one entry", () => {
  it("answers a feature's RPC by its name", async () => {
    const { ws, sock } = await ownWorkspace();
    const room = rooms.getByName(ws);
    expect(await roomCall(room, "deviceEntryState", "i_nobody")).toBe("not_found");
    const plan = await roomCall(room, "planOf");
    expect(plan.planId).toBe((await sock.ok("billing.summary", {})).state.plan.id);
    sock.close();
  });

  it("refuses a name no feature gives, an object's own names included, and serves on", async () => {
    const { ws, sock } = await ownWorkspace();
    for (const name of ["nope", "constructor", "toString", "__proto__", "hasOwnProperty", "tierEvents", 42])
      expect(await refusal(ws, name)).toMatchObject({
        code: "unknown_method",
        message: expect.stringMatching(/^the room has no RPC named /),
      });
    expect(await roomCall(rooms.getByName(ws), "deviceEntryState", "i_nobody")).toBe("not_found");
    sock.close();
  });
});
