// The bridge's link and lifecycle against a scripted runtime and gateway: wait for the
// runtime to report the gateway ready, pair with the gateway token and keep the device
// token, catch up, then send; reconnect through a gateway restart; forget a device token
// the gateway no longer knows.
import { describe, expect, it } from "vitest";
import type { BridgeRuntime } from "./bridge-link";
import type { DeviceIdentity } from "./device-identity";
import { InstanceBridge } from "./instance-bridge";
import { getDeviceDoc } from "../instance-store/gateway";
import { queuedFor, sendChat } from "../instance-store/gateway-outbox";
import { commitTo, type OpEffects } from "../../kernel/commit";
import { getInstance } from "../instance-store/instances";
import {
  asPerson,
  type FakeGateway,
  gatewayForBridge,
  inRoom,
  ok,
  seedInstance,
  seedThread,
  until,
} from "../../../../test/bridge-peer";
import { runtimeStatus } from "../../../../test/instance-ops";

const ready = runtimeStatus({ workspaceId: "ws", instanceId: "work", gatewayVersion: "test" });

/** A gateway that accepts the connect (as `accept` says) and answers the catch-up and every chat.send. */
const gatewayPeer = (accept: (auth: Record<string, unknown>) => boolean) =>
  gatewayForBridge(accept, { "chat.send": () => ok({}) });

describe("bridge lifecycle", () => {
  it("connects when the gateway is ready, keeps the device token, sends after catching up, and reconnects after a drop", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql);
      const thread = seedThread(sql, "main");
      asPerson(sql, (ctx) =>
        sendChat(ctx, { threadId: thread.id, text: "queued while offline", idempotencyKey: "k-q" }),
      );
      const peers: FakeGateway[] = [];
      const auths: Record<string, unknown>[] = [];
      const runtime: BridgeRuntime = {
        status: async () => ready,
        provision: async () => ready,
        credentials: async () => ({ token: "gateway-token" }),
        openGateway: async () => {
          // The second gateway has lost its pairing: it refuses the device token, accepts the gateway token.
          const second = peers.length >= 1;
          const gw = gatewayPeer((auth) => {
            auths.push(auth);
            return !(second && "deviceToken" in auth);
          });
          peers.push(gw);
          return gw.client;
        },
      };
      // Every state the instance went through, as the room would publish it: the reconnect
      // after a drop may already have replaced the drop's error by the time a poll looks.
      const states: { bridge: string | undefined; bridgeError: string | null | undefined }[] = [];
      const publish = (effects: OpEffects) => {
        for (const e of effects.events)
          if (e.event === "instance.updated")
            states.push({ bridge: e.payload.instance.bridge, bridgeError: e.payload.instance.bridgeError });
      };
      const bridge = new InstanceBridge({
        workspaceId: "ws_test",
        instanceId: "inst",
        sql,
        commit: commitTo(sql, 1000, publish),
        runtime,
        broadcast: () => {},
      });
      bridge.start();
      await until(() => queuedFor(sql, "inst").length === 0);
      expect(bridge.connected).toBe(true);
      expect(getInstance(sql, "inst")).toMatchObject({ bridge: "connected", bridgeError: null });
      // What the gateway said of itself (a linked gateway's details show it).
      expect(bridge.gateway).toMatchObject({ version: "2026.9.6", connectedAt: expect.any(Number) });
      expect(auths[0]).toEqual({ token: "gateway-token" });
      expect(getDeviceDoc<DeviceIdentity>(sql, "inst")!.deviceToken).toBe("dev-token");
      expect(peers[0]!.requests("chat.send")).toHaveLength(1);
      // The catch-up ran before the send.
      const methods = peers[0]!.frames.map((f) => f.method);
      expect(methods.indexOf("sessions.subscribe")).toBeLessThan(methods.indexOf("chat.send"));

      // The gateway restarts (1012): a phase the bridge reconnects through, never an error to show.
      const beforeRestart = states.length;
      peers[0]!.close(1012, "service restart");
      await until(() => bridge.gateway === null);
      // Back with the device token: refused, so it is forgotten and the next attempt pairs again.
      await until(() => auths.length >= 3, 20_000);
      expect(states[beforeRestart]).toEqual({ bridge: "connecting", bridgeError: null });
      expect(states.some((s) => /1012/.test(s.bridgeError ?? ""))).toBe(false);
      expect(auths[1]).toEqual({ deviceToken: "dev-token" });
      expect(auths[2]).toEqual({ token: "gateway-token" });
      await until(() => bridge.connected, 10_000);
      bridge.stop();
      await until(() => !bridge.connected);
      expect(getInstance(sql, "inst")!.bridge).toBe("connected");
    });
  });

  it("a gateway draining for a restart refuses the catch-up for now: shown connecting, never offline, and connected once it answers", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql);
      const peers: FakeGateway[] = [];
      const runtime: BridgeRuntime = {
        status: async () => ready,
        provision: async () => ready,
        credentials: async () => ({ token: "gateway-token" }),
        openGateway: async () => {
          // The first two gateways still drain for their restart (as OpenClaw answers then); the third is up.
          const draining = peers.length < 2;
          const gw = gatewayForBridge(
            () => true,
            draining
              ? {
                  "device.pair.list": () => ({
                    ok: false,
                    error: {
                      code: "UNAVAILABLE",
                      message: "device.pair.list unavailable during gateway restart",
                      retryable: true,
                    },
                  }),
                }
              : {},
          );
          peers.push(gw);
          return gw.client;
        },
      };
      const states: { bridge: string | undefined; bridgeError: string | null | undefined }[] = [];
      const bridge = new InstanceBridge({
        workspaceId: "ws_test",
        instanceId: "inst",
        sql,
        commit: commitTo(sql, 1000, (effects) => {
          for (const e of effects.events)
            if (e.event === "instance.updated")
              states.push({ bridge: e.payload.instance.bridge, bridgeError: e.payload.instance.bridgeError });
        }),
        runtime,
        broadcast: () => {},
      });
      bridge.start();
      await until(() => peers.length >= 3 && bridge.connected, 20_000);
      await until(() => getInstance(sql, "inst")?.bridge === "connected");
      expect(peers[0]!.requests("device.pair.list")).toHaveLength(1);
      expect(states.filter((s) => s.bridge === "offline")).toEqual([]);
      expect(states.every((s) => s.bridgeError === null)).toBe(true);
      bridge.stop();
    });
  });

  it("a gateway that answers with a refusal it does not call passing shows offline with why", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql);
      const runtime: BridgeRuntime = {
        status: async () => ready,
        provision: async () => ready,
        credentials: async () => ({ token: "gateway-token" }),
        openGateway: async () =>
          gatewayForBridge(() => true, {
            "device.pair.list": () => ({
              ok: false,
              error: { code: "UNAVAILABLE", message: "pairing store is broken" },
            }),
          }).client,
      };
      const bridge = new InstanceBridge({
        workspaceId: "ws_test",
        instanceId: "inst",
        sql,
        commit: commitTo(sql, 1000, () => {}),
        runtime,
        broadcast: () => {},
      });
      bridge.start();
      await until(() => getInstance(sql, "inst")?.bridge === "offline");
      expect(getInstance(sql, "inst")!.bridgeError).toBe("device.pair.list: UNAVAILABLE: pairing store is broken");
      bridge.stop();
    });
  });
});
