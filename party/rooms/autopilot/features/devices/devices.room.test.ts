import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { approvalFor } from "../toolset/run-tools";
import { DEVICE_CONNECT_MAX } from "../../../../auth/rate-limits";
import { deviceEntryUrl } from "./setup";
import { DEVICE_MAX_FRAME_BYTES, DEVICE_MAX_FRAMES, DEVICE_WINDOW_MS, pipeDeviceSocket } from "./pipe";
import {
  createKey,
  decisionOn,
  idem,
  instanceUpdated,
  openTeam,
  ORIGIN,
  RawSocket,
  signUp,
} from "../../../../test/harness";

// The public device entry (party/rooms/autopilot/features/devices/): who is refused before anything is reached, and
// the bounds on a device's frames. The way through to a gateway needs the runtime: its
// device route is covered against the real gateway in runtime/test/e2e-gateway.test.ts.

const entry = (path: string, headers: Record<string, string> = { upgrade: "websocket" }) =>
  SELF.fetch(`${ORIGIN}${path}`, { headers });

describe("device entry: refusals", () => {
  it("answers 404 for a malformed path, an unknown workspace and an unknown instance, the same way", async () => {
    const owner = await signUp();
    for (const path of [
      "/devices/",
      "/devices/ws1",
      "/devices/ws1/a/b",
      "/devices/ws1/Bad..Id",
      "/devices/no-such-workspace/lab",
      `/devices/${owner.workspaceId}/lab`,
    ]) {
      const res = await entry(path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).toBe("no such device entry");
    }
    // A member's cookie changes nothing: devices authenticate to the gateway, not to us.
    expect(
      (await entry(`/devices/${owner.workspaceId}/lab`, { upgrade: "websocket", cookie: owner.cookie })).status,
    ).toBe(404);
  });

  it("asks for an upgrade, and refuses an instance that is not ready", async () => {
    const { ws, ownerSocket: o, agentSocket: g } = await openTeam("viewer");
    expect((await entry(`/devices/${ws}/lab`, {})).status).toBe(426);
    // No runtime in this pool: the approved provision ends in `error`.
    const { approval } = await g.ok("instances.provision", { instanceId: "lab", idempotencyKey: idem() });
    await o.ok("approvals.resolve", decisionOn(approval.id, "approve"));
    await instanceUpdated(g, (i) => i.status === "error");
    const res = await entry(`/devices/${ws}/lab`);
    expect(res.status).toBe(503);
    expect(res.webSocket).toBeNull();
    for (const s of [o, g]) s.close();
  });

  it("counts connections per client address and refuses a flood with 429 before looking anything up", async () => {
    const flood = { upgrade: "websocket", "cf-connecting-ip": "203.0.113.77" };
    for (let i = 0; i < DEVICE_CONNECT_MAX; i++)
      expect((await entry("/devices/no-such-workspace/lab", flood)).status).toBe(404);
    const refused = await entry("/devices/no-such-workspace/lab", flood);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another address is counted apart.
    expect(
      (await entry("/devices/no-such-workspace/lab", { ...flood, "cf-connecting-ip": "203.0.113.78" })).status,
    ).toBe(404);
  });
});

/** A device socket and an upstream socket piped by the entry; the test holds the far ends. */
function piped(now: () => number = Date.now) {
  const devicePair = new WebSocketPair();
  const upstreamPair = new WebSocketPair();
  pipeDeviceSocket(devicePair[1], upstreamPair[1], now);
  const device = devicePair[0];
  const gateway = upstreamPair[0];
  device.accept();
  gateway.accept();
  const closed = (socket: WebSocket) => new Promise<CloseEvent>((resolve) => socket.addEventListener("close", resolve));
  const next = (socket: WebSocket) =>
    new Promise<unknown>((resolve) => socket.addEventListener("message", (e) => resolve(e.data), { once: true }));
  return { device, gateway, closed, next };
}

describe("device entry: a connection's frames", () => {
  it("passes frames both ways untouched", async () => {
    const { device, gateway, next } = piped();
    const up = next(gateway);
    device.send('{"type":"req","id":"1","method":"connect","params":{}}');
    expect(await up).toBe('{"type":"req","id":"1","method":"connect","params":{}}');
    const down = next(device);
    gateway.send('{"type":"event","event":"connect.challenge"}');
    expect(await down).toBe('{"type":"event","event":"connect.challenge"}');
    device.close(1000, "done");
  });

  it("closes both ends on a frame over the cap (1009), and takes one at the cap", async () => {
    const { device, gateway, closed, next } = piped();
    const atCap = next(gateway);
    device.send("a".repeat(DEVICE_MAX_FRAME_BYTES));
    expect(((await atCap) as string).length).toBe(DEVICE_MAX_FRAME_BYTES);
    const [deviceClosed, gatewayClosed] = [closed(device), closed(gateway)];
    // Multi-byte text is counted in bytes, not characters.
    device.send("é".repeat(DEVICE_MAX_FRAME_BYTES / 2 + 1));
    expect((await deviceClosed).code).toBe(1009);
    expect((await gatewayClosed).code).toBe(1009);
  });

  it("closes both ends past the frame rate (1008); a new window starts the count over", async () => {
    let clock = 0;
    const { device, gateway, closed } = piped(() => clock);
    let received = 0;
    let firstWindowDone: () => void = () => {};
    const firstWindow = new Promise<void>((resolve) => (firstWindowDone = resolve));
    gateway.addEventListener("message", () => {
      if (++received === DEVICE_MAX_FRAMES) firstWindowDone();
    });
    const [deviceClosed, gatewayClosed] = [closed(device), closed(gateway)];
    for (let i = 0; i < DEVICE_MAX_FRAMES; i++) device.send("x");
    await firstWindow;
    clock += DEVICE_WINDOW_MS;
    for (let i = 0; i < DEVICE_MAX_FRAMES + 1; i++) device.send("x");
    expect((await deviceClosed).code).toBe(1008);
    expect((await gatewayClosed).code).toBe(1008);
    expect(received).toBe(2 * DEVICE_MAX_FRAMES);
  });
});

describe("instances.deviceSetup", () => {
  it("is for admins only, and answers not_found or unavailable until a hosted instance is ready and connected", async () => {
    const { ws, owner, ownerSocket: o, secondSocket: w, agentSocket: g } = await openTeam("member");
    const writeKey = await createKey(owner, ws, ["read", "write"]);
    const k = await RawSocket.open(ws, { key: writeKey.key });
    await k.hello();
    // An admin key is refused too: a code admits a device, and people add devices.
    const adminKey = await createKey(owner, ws, ["read", "write", "admin"]);
    const a = await RawSocket.open(ws, { key: adminKey.key });
    await a.hello();
    for (const s of [w, k, a])
      expect(await s.call("instances.deviceSetup", { instanceId: "lab" })).toMatchObject({
        ok: false,
        error: { code: "forbidden" },
      });
    a.close();
    expect(await o.call("instances.deviceSetup", { instanceId: "lab" })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    expect(await o.call("instances.deviceSetup", { instanceId: "Bad Id" })).toMatchObject({
      ok: false,
      error: { code: "bad_request" },
    });
    const { approval } = await g.ok("instances.provision", { instanceId: "lab", idempotencyKey: idem() });
    await o.ok("approvals.resolve", decisionOn(approval.id, "approve"));
    await instanceUpdated(o, (i) => i.status === "error");
    expect(await o.call("instances.deviceSetup", { instanceId: "lab" })).toMatchObject({
      ok: false,
      error: { code: "unavailable", message: expect.stringMatching(/not ready/) },
    });
    for (const s of [o, w, g, k]) s.close();
  });

  it("names the entry from DEVICE_ENTRY_ORIGIN, a bare ws/wss origin only", () => {
    expect(deviceEntryUrl("wss://app.example", "Ws_1", "lab")).toBe("wss://app.example/devices/Ws_1/lab");
    expect(deviceEntryUrl("ws://192.168.1.5:8787/", "w", "lab")).toBe("ws://192.168.1.5:8787/devices/w/lab");
    for (const origin of [
      undefined,
      "",
      "https://app.example",
      "wss://app.example/prefix",
      "wss://u:p@app.example",
      "wss://app.example?x=1",
      "not a url",
    ]) {
      expect(deviceEntryUrl(origin, "w", "lab"), String(origin)).toBeNull();
    }
  });
});

describe("instances.invokeNode", () => {
  it("runs for people (and the Autopilot's approved call); an agent's key is refused, whatever its scopes", async () => {
    const { ws, owner, ownerSocket: o, secondSocket: w, agentSocket: g } = await openTeam("member");
    const adminKey = await createKey(owner, ws, ["read", "write", "admin"]);
    const a = await RawSocket.open(ws, { key: adminKey.key });
    await a.hello();
    const call = {
      instanceId: "lab",
      nodeId: "n1",
      command: "system.run",
      params: { command: ["echo", "hi"] },
      idempotencyKey: idem(),
    };
    for (const s of [a, g])
      expect(await s.call("instances.invokeNode", call)).toMatchObject({
        ok: false,
        error: { code: "forbidden", message: expect.stringMatching(/ask a person/) },
      });
    for (const s of [o, w])
      expect(await s.call("instances.invokeNode", { ...call, idempotencyKey: idem() })).toMatchObject({
        ok: false,
        error: { code: "not_found" },
      });
    expect(await o.call("instances.invokeNode", { ...call, command: "rm -rf /" })).toMatchObject({
      ok: false,
      error: { code: "bad_request" },
    });
    for (const s of [o, w, g, a]) s.close();
  });

  it("titles the approval of the model's node call with the command line a person approves", () => {
    const input = { instanceId: "lab", nodeId: "n1", command: "system.run", params: { command: ["echo", "hi"] } };
    expect(approvalFor("instances_invokeNode", input, [], null)).toEqual({
      title: "Autopilot wants to run system.run: echo hi on a node of lab",
      risk: "high",
    });
    expect(
      approvalFor("instances_invokeNode", { command: "system.which", params: { bins: ["sh"] } }, [], null),
    ).toEqual({ title: "Autopilot wants to run system.which on a node", risk: "high" });
  });
});
