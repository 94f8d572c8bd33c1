// The bridge's own parts inside workerd: the device identity (WebCrypto Ed25519) and the
// gateway connection's handshake, requests and tick watchdog, against a scripted peer on
// the other end of a WebSocketPair. The real gateway is exercised end to end in
// client/test/e2e-bridge.test.ts; these pin the details a gateway would only reject.
import { describe, expect, it, vi } from "vitest";
import { base64url, createDeviceIdentity, proofPayload, signProof } from "./device-identity";
import { GatewayConnection, GatewayRequestError } from "./gateway-connection";
import type { ChatMessage } from "./gateway-frames";
import { clip, type ImportFacts, planHistoryImport, toolKey } from "./history-import";
import { challenged, fakeGateway } from "../../../../test/bridge-peer";

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

describe("device identity", () => {
  it("derives the device id from the public key and signs the v3 proof so the key verifies it", async () => {
    const device = await createDeviceIdentity();
    const raw = fromBase64url(device.publicKey);
    expect(raw.byteLength).toBe(32);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
    expect(device.deviceId).toBe([...digest].map((b) => b.toString(16).padStart(2, "0")).join(""));
    expect(device.privateJwk.d).toBeTruthy();

    const proof = {
      clientId: "gateway-client",
      clientMode: "backend",
      role: "operator",
      scopes: ["operator.read", "operator.admin"],
      signedAt: 1700000000000,
      token: "tok",
      nonce: "n-1",
      platform: "Linux",
      deviceFamily: "",
    };
    expect(proofPayload(device.deviceId, proof)).toBe(
      `v3|${device.deviceId}|gateway-client|backend|operator|operator.read,operator.admin|1700000000000|tok|n-1|linux|`,
    );
    const signature = fromBase64url(await signProof(device, proof));
    const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
    const data = new TextEncoder().encode(proofPayload(device.deviceId, proof));
    expect(await crypto.subtle.verify({ name: "Ed25519" }, key, signature, data)).toBe(true);
    // A proof over another token does not verify: the gateway would refuse it.
    expect(
      await crypto.subtle.verify(
        { name: "Ed25519" },
        key,
        signature,
        new TextEncoder().encode(proofPayload(device.deviceId, { ...proof, token: "other" })),
      ),
    ).toBe(false);
    expect(base64url(new Uint8Array([251, 255]))).toBe("-_8");
  });
});

describe("gateway connection", () => {
  it("answers the challenge with a signed connect over the device token, then matches responses to requests", async () => {
    const gw = fakeGateway();
    const device = { ...(await createDeviceIdentity()), deviceToken: "dev-token-1" };
    const events: [string, unknown][] = [];
    const opening = GatewayConnection.open(gw.client, {
      device,
      auth: { deviceToken: "dev-token-1" },
      scopes: ["operator.read", "operator.admin"],
      caps: ["approvals"],
      mode: "backend",
      onEvent: (event, payload) => events.push([event, payload]),
    });
    const connectFrame = gw.next();
    gw.send({ type: "event", event: "connect.challenge", payload: { nonce: "abc", ts: 1700000000123 } });
    const connect = await connectFrame;
    expect(connect.method).toBe("connect");
    const params = connect.params as {
      auth: unknown;
      client: { mode: string };
      device: { id: string; signature: string; nonce: string; signedAt: number };
      minProtocol: number;
    };
    expect(params.auth).toEqual({ deviceToken: "dev-token-1" });
    expect(params.client.mode).toBe("backend");
    expect(params.minProtocol).toBe(4);
    expect(params.device).toMatchObject({ id: device.deviceId, nonce: "abc", signedAt: 1700000000123 });
    // The signature covers the credential actually sent, here the device token.
    const key = await crypto.subtle.importKey("raw", fromBase64url(device.publicKey), { name: "Ed25519" }, false, [
      "verify",
    ]);
    const payload = proofPayload(device.deviceId, {
      clientId: "gateway-client",
      clientMode: "backend",
      role: "operator",
      scopes: ["operator.read", "operator.admin"],
      signedAt: 1700000000123,
      token: "dev-token-1",
      nonce: "abc",
      platform: "linux",
      deviceFamily: "",
    });
    expect(
      await crypto.subtle.verify(
        { name: "Ed25519" },
        key,
        fromBase64url(params.device.signature),
        new TextEncoder().encode(payload),
      ),
    ).toBe(true);

    gw.send({
      type: "res",
      id: connect.id,
      ok: true,
      payload: {
        type: "hello-ok",
        auth: { scopes: ["operator.read", "operator.admin"], deviceToken: "dev-token-2" },
        policy: { tickIntervalMs: 30000 },
        server: { version: "2026.9.6" },
        extra: { ignored: true },
      },
    });
    const { connection, hello } = await opening;
    expect(hello).toEqual({
      method: null,
      scopes: ["operator.read", "operator.admin"],
      deviceToken: "dev-token-2",
      tickIntervalMs: 30000,
      serverVersion: "2026.9.6",
    });

    // Garbage and unknown frames are ignored; events reach the handler; responses find their request.
    gw.send("not json");
    gw.send({ type: "mystery" });
    gw.send({ type: "event", event: "chat", payload: { runId: "r1" } });
    const listing = connection.request("sessions.list", { limit: 5 });
    const req = await gw.next();
    expect(req).toEqual({ type: "req", id: req.id, method: "sessions.list", params: { limit: 5 } });
    gw.send({ type: "res", id: req.id, ok: true, payload: { sessions: [] } });
    expect(await listing).toEqual({ sessions: [] });
    expect(events).toEqual([["chat", { runId: "r1" }]]);

    const refused = connection.request("device.pair.approve", { requestId: "gone" });
    const req2 = await gw.next();
    gw.send({ type: "res", id: req2.id, ok: false, error: { code: "INVALID_REQUEST", message: "unknown requestId" } });
    await expect(refused).rejects.toBeInstanceOf(GatewayRequestError);
    await expect(refused).rejects.toMatchObject({ code: "INVALID_REQUEST" });

    // A close fails what is still waiting and resolves `closed` with the gateway's code.
    const pending = connection.request("chat.history", {});
    await gw.next();
    gw.close(1012, "service restart");
    await expect(pending).rejects.toThrow(/closed/);
    expect(await connection.closed).toMatchObject({ code: 1012 });
    expect(connection.isOpen).toBe(false);
  });

  it("reports a refused connect with the gateway's code, e.g. a stale device token", async () => {
    const gw = fakeGateway();
    const { opening, connect } = await challenged(gw, () => {}, { deviceToken: "stale", mode: "backend" });
    gw.send({
      type: "res",
      id: connect.id,
      ok: false,
      error: {
        code: "INVALID_REQUEST",
        message: "unauthorized: device token mismatch",
        details: { code: "AUTH_DEVICE_TOKEN_MISMATCH" },
      },
    });
    const error = await opening.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayRequestError);
    expect(error).toMatchObject({ code: "INVALID_REQUEST", details: { code: "AUTH_DEVICE_TOKEN_MISMATCH" } });
  });

  it("closes a link that stopped ticking", async () => {
    const gw = fakeGateway();
    const { opening, connect } = await challenged(gw);
    expect((connect.params as { client: { mode: string } }).client.mode).toBe("ui");
    // The watchdog on a fake clock: the hello is the last frame, read at fake time `started`.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "Date"] });
    try {
      const started = Date.now();
      gw.send({ type: "res", id: connect.id, ok: true, payload: { policy: { tickIntervalMs: 400 } } });
      const { connection } = await opening;
      let closedAt: number | null = null;
      void connection.closed.then(() => (closedAt = Date.now()));
      // 2.5 ticks of silence are allowed: every check up to then leaves the link open.
      await vi.advanceTimersByTimeAsync(999);
      expect(closedAt).toBeNull();
      await vi.advanceTimersByTimeAsync(1500);
      const closed = await connection.closed;
      expect(closed.code).toBe(4000);
      expect(closed.reason).toMatch(/no tick/);
      expect(closedAt! - started).toBeGreaterThanOrEqual(1000);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("history import (catch-up and opened sessions)", () => {
  /** Facts over a set of imported keys, applying each plan like the bridge does. */
  function room(ours: string[] = [], streaming: string[] = []) {
    const keys = new Set<string>();
    const facts: ImportFacts = {
      threadId: "thr_1",
      imported: (k) => keys.has(k),
      isOurs: (id) => ours.includes(id),
      streaming: (r) => streaming.includes(r),
    };
    const take = (m: ChatMessage) => {
      const plan = planHistoryImport(m, facts);
      if (plan.kind === "append") for (const k of plan.keys) keys.add(k);
      return plan;
    };
    return { take, keys };
  }
  const text = (t: string) => [{ type: "text", text: t }];

  it("recognises the room's own messages as delivered and imports other people's once", () => {
    const r = room(["msg_ours"]);
    expect(r.take({ role: "user", content: "hi", idempotencyKey: "msg_ours:user", __openclaw: { id: "g1" } })).toEqual({
      kind: "delivered",
      messageId: "msg_ours",
    });
    const foreign = { role: "user", content: "from elsewhere", idempotencyKey: "other:user", __openclaw: { id: "g2" } };
    expect(r.take(foreign)).toEqual({ kind: "append", from: "gateway-user", text: "from elsewhere", keys: ["msg:g2"] });
    expect(r.take(foreign)).toEqual({ kind: "skip" });
    expect(
      r.take({ role: "user", content: "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>> …", __openclaw: { id: "g3" } }),
    ).toEqual({ kind: "skip" });
  });

  it("keeps a tool-using run's reply: text before the tool call does not stand in for it", () => {
    const r = room();
    const before = r.take({
      role: "assistant",
      content: text("Let me check."),
      stopReason: "toolUse",
      __openclaw: { id: "a1", runId: "R" },
    });
    expect(before).toEqual({ kind: "append", from: "instance", text: "Let me check.", keys: ["msg:a1"] });
    const tool = r.take({ role: "toolResult", toolCallId: "call_0", content: text("42"), __openclaw: { id: "t1" } });
    expect(tool).toMatchObject({
      kind: "append",
      tool: true,
      text: "42",
      keys: ["msg:t1", toolKey("thr_1", "call_0")],
    });
    const final = r.take({
      role: "assistant",
      content: text("The answer is 42."),
      stopReason: "stop",
      __openclaw: { id: "a2", runId: "R" },
    });
    expect(final).toEqual({
      kind: "append",
      from: "instance",
      text: "The answer is 42.",
      runId: "R",
      keys: ["msg:a2", "run:R"],
    });
    // A second catch-up over the same history adds nothing.
    for (const again of [
      {
        role: "assistant",
        content: text("Let me check."),
        stopReason: "toolUse",
        __openclaw: { id: "a1", runId: "R" },
      },
      { role: "toolResult", toolCallId: "call_0", content: text("42"), __openclaw: { id: "t1" } },
      {
        role: "assistant",
        content: text("The answer is 42."),
        stopReason: "stop",
        __openclaw: { id: "a2", runId: "R" },
      },
    ])
      expect(r.take(again)).toEqual({ kind: "skip" });
  });

  it("leaves a run's reply to the live stream, or to the live final that already landed", () => {
    const live = room([], ["R"]);
    expect(live.take({ role: "assistant", content: text("partial"), __openclaw: { id: "a1", runId: "R" } })).toEqual({
      kind: "skip",
    });
    const landed = room();
    landed.keys.add("run:R");
    expect(landed.take({ role: "assistant", content: text("done"), __openclaw: { id: "a1", runId: "R" } })).toEqual({
      kind: "skip",
    });
    // The same tool call id in another thread is another call.
    landed.keys.add(toolKey("thr_other", "call_0"));
    expect(landed.take({ role: "toolResult", toolCallId: "call_0", content: text("x") })).toMatchObject({
      kind: "append",
      tool: true,
    });
  });

  it("cuts oversized gateway text instead of failing the import", () => {
    const long = "x".repeat(40_000);
    const cut = clip(long);
    expect(cut.length).toBeLessThan(32_100);
    expect(cut).toMatch(/cut: 8000 more characters/);
    expect(clip("short")).toBe("short");
  });
});
