import { describe, expect, it, vi } from "vitest";
import { connected, ownWorkspace, signUp } from "../../../test/harness";

// Frames the `agents` framework would answer itself (`rpc`, `cf_agent_state`, its other
// frame types) get exactly what any frame gets: the limiter and the size cap before they
// are parsed, our typed errors, and no word about the room's internals.

const FRAMEWORK_FRAMES = [
  { type: "rpc" },
  { type: "rpc", id: "d", method: "destroy", args: [] },
  { type: "rpc", id: "s", method: "setState", args: [{ x: 1 }] },
  { type: "rpc", id: "g", method: "graphFeed", args: [0, null] },
  { type: "cf_agent_state", state: { hacked: true } },
  { type: "cf_agent_state_request" },
  { type: "cf_agent_mcp_servers" },
  { type: "cf_agent_use_chat_request", id: "c", init: {} },
];

/** Names of the room's and the framework's methods that a reply must never mention. */
const INTERNAL_NAMES =
  /destroy|setState|graphFeed|expireApprovals|accessChanged|watchBridges|backupInstances|callable|cf_agent|onMessage|Method /;

describe("framework frames are metered and answered in our protocol", () => {
  it("an rpc flood is limited and closed with 4029 while another client's requests are answered", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const [flood, calm] = await connected(ws, { cookie: owner.cookie }, { cookie: owner.cookie });
    // Burst is 500 and the refill slow in the test config (vitest.worker.config.ts): no room
    // refills fast enough to keep 2,500 frames under the burst plus REFUSALS_BEFORE_CLOSE.
    const flooded = 2500;
    for (let i = 0; i < flooded; i++)
      flood.send(JSON.stringify({ type: "rpc", id: `x${i}`, method: "destroy", args: [] }));
    expect((await calm.call("threads.list", {})).ok).toBe(true);
    // Polled, not RawSocket.waitFor: a predicate over all frames, run on each of thousands of
    // frames, would starve the room (it shares the thread with this test).
    await vi.waitFor(
      () =>
        expect(
          flood.closed !== null || flood.frames.length > flooded,
          `the flood closed (${flood.frames.length} frames so far)`,
        ).toBe(true),
      { timeout: 15_000, interval: 100 },
    );
    const limited = flood.frames.filter(
      (f) => f.type === "res" && (f as { error?: { code: string } }).error?.code === "rate_limited",
    );
    expect(limited.length).toBeGreaterThan(0);
    // Why a calm request does not queue behind thousands of framework calls (it did, answered
    // unmetered): the room hangs up on the flood, and what the flood sent after that is
    // dropped unread, so far fewer frames than it sent were ever answered.
    expect(flood.closed?.code).toBe(4029);
    expect(flood.frames.filter((f) => f.type === "res").length).toBeLessThan(flooded);
    // Everything else was our typed bad_request; never a framework reply.
    for (const f of flood.frames) expect(f.type === "event" || (f.type === "res" && f.ok === false)).toBe(true);
    calm.close();
  });

  it("a 5 MB rpc frame is refused by size before it is parsed", async () => {
    const { sock } = await ownWorkspace();
    const padding = "x".repeat(5 * 1024 * 1024);
    // Valid JSON: the framework would parse it and call the method.
    sock.send(JSON.stringify({ type: "rpc", id: "big", method: "destroy", args: [padding] }));
    // Not JSON past its opening: parsed, it would be refused as invalid JSON; refused by
    // size, it never was.
    sock.send(`{"type":"rpc","id":"big","method":"destroy","args":["${padding}`);
    await sock.waitFor(() => sock.frames.filter((f) => f.type === "res").length >= 2);
    const replies = sock.frames.filter((f) => f.type === "res");
    for (const res of replies) expect(res).toMatchObject({ ok: false, error: { code: "payload_too_large" } });
    expect(sock.closed).toBeNull();
    expect((await sock.call("threads.list", {})).ok).toBe(true);
    sock.close();
  });

  it("every framework frame gets a typed bad_request that names nothing internal", async () => {
    const { sock } = await ownWorkspace();
    for (const frame of FRAMEWORK_FRAMES) sock.send(JSON.stringify(frame));
    await sock.waitFor(() => sock.frames.filter((f) => f.type === "res").length >= FRAMEWORK_FRAMES.length);
    const replies = sock.frames.filter((f) => f.type === "res");
    expect(replies).toHaveLength(FRAMEWORK_FRAMES.length);
    for (const reply of replies) {
      expect(reply).toMatchObject({ ok: false, error: { code: "bad_request", retryable: false } });
      expect(JSON.stringify(reply)).not.toMatch(INTERNAL_NAMES);
    }
    // Only our frames: no `rpc` answers, no state frames.
    expect(sock.frames.every((f) => f.type === "res" || f.type === "event")).toBe(true);
    expect((await sock.call("threads.list", {})).ok).toBe(true);
    sock.close();
  });
});
