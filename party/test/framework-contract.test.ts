// The Autopilot is a plain Durable Object composed of the agents lifecycle's stable parts
// (party/rooms/autopilot/room.ts; docs/decisions/014-agents-lifecycle.md). These tests pin
// what the room relies on them for, so an agents upgrade that changes it fails here, not in
// production.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Autopilot } from "../rooms/autopilot/room";
import { KEEP_ALIVE_JOB } from "../rooms/autopilot/kernel/keep-alive";
import { idem, ownWorkspace, RawSocket, signUp } from "./harness";

const rooms = (env as unknown as { Autopilot: DurableObjectNamespace<Autopilot> }).Autopilot;

describe("the agents lifecycle under the Autopilot", () => {
  it("a socket gets none of the framework's frames: our hello comes first, and frames shaped like the framework's reach our handler and get our typed error", async () => {
    const { sock } = await ownWorkspace();
    expect(sock.frames[0]).toMatchObject({ type: "event", event: "hello" });
    // The framework's state write and RPC call: without a State or callables they are ordinary messages.
    sock.send(JSON.stringify({ type: "cf_agent_state", state: { taken: true } }));
    sock.send(JSON.stringify({ type: "rpc", id: "r-framework", method: "accessChanged", args: [{}] }));
    const refusals = await sock
      .waitFor(() => sock.frames.filter((f) => f.type === "res" && f.ok === false).length >= 2)
      .then(() => sock.frames.filter((f) => f.type === "res"));
    expect(refusals.map((f) => (f as unknown as { error: { code: string } }).error.code)).toEqual([
      "bad_request",
      "bad_request",
    ]);
    // Still a working socket, and nothing of the framework's own went out.
    await sock.ok("threads.create", { title: "after", idempotencyKey: idem() });
    expect(sock.frames.filter((f) => (f.type as string).startsWith("cf_agent"))).toEqual([]);
    sock.close();
  });

  it("a socket asking for the Cap'n Web transport is a hibernating socket like any other: the Worker drops the choice", async () => {
    const owner = await signUp();
    const sock = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie }, { __agents_transport: "capnweb" });
    await sock.hello();
    await sock.ok("threads.create", { title: "plain", idempotencyKey: idem() });
    const sockets = await runInDurableObject(
      rooms.getByName(owner.workspaceId),
      (_room: Autopilot, state) => state.getWebSockets().length,
    );
    expect(sockets).toBe(1);
    sock.close();
  });

  it("the room's keep-alive is a host job: due, it reaches the room, which ends it when nothing holds the room", async () => {
    const { owner, sock } = await ownWorkspace();
    const stub = rooms.getByName(owner.workspaceId);
    // A beat due now, as a hold leaves it (host jobs reach the room's onJob).
    const job = await runInDurableObject(stub, (room: Autopilot) =>
      room.lifecycle.jobs.push({ id: KEEP_ALIVE_JOB, fn: KEEP_ALIVE_JOB, time: Date.now() }),
    );
    expect(job).toMatchObject({ id: KEEP_ALIVE_JOB, capability: "host" });
    // Nothing holds the room: the due beat ends the job instead of rescheduling it.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(
      await runInDurableObject(stub, (room: Autopilot) => room.lifecycle.jobs.get(KEEP_ALIVE_JOB) ?? null),
    ).toBeNull();
    sock.close();
  });

  it("scheduled callbacks are found by the names stored in their rows, and a due one runs on the alarm", async () => {
    const { owner, sock } = await ownWorkspace();
    const stub = rooms.getByName(owner.workspaceId);
    await sock.ok("threads.create", { title: "x", idempotencyKey: idem() });
    const due = await runInDurableObject(stub, (room: Autopilot) => room.scheduler.set(new Date(), "sweepRetention"));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const left = await runInDurableObject(stub, async (room: Autopilot) =>
      (await room.scheduler.list()).map((s) => ({ id: s.id, callback: s.callback })),
    );
    expect(left.map((s) => s.id)).not.toContain(due.id);
    expect(left.map((s) => s.callback)).toContain("sweepRetention");
    sock.close();
  });
});
