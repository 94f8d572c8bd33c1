// The gateway's paired devices through the bridge, against a scripted gateway: the list
// (the Autopilot's own device marked, unreadable rows left out) and an unpair.
import { describe, expect, it } from "vitest";
import { deviceSetupCode, pairedDevices, unpairDevice } from "../bridge/device-requests";
import { putDeviceDoc, refuseOwnDevice } from "../domain/gateway";
import { connectTo, fakeGateway, inRoom, ok, refuse, seedInstance, testLink } from "./bridge-peer";

describe("paired devices through the bridge", () => {
  it("lists the gateway's paired devices, marks our own, and removes one on unpair", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql);
      const { link } = testLink(sql);
      // Not connected: a person's request is refused with a readable reason.
      await expect(pairedDevices(link, null)).rejects.toThrow(/not connected right now/);

      const gw = fakeGateway();
      gw.on("device.pair.list", () =>
        ok({
          pending: [{ requestId: "r1", deviceId: "new-phone" }],
          paired: [{ deviceId: "ours", displayName: "Autopilot", platform: "linux", role: "operator" }, { deviceId: "phone", label: "Olga's phone", approvedAtMs: 5 }, { nonsense: true }],
        }),
      );
      gw.on("device.pair.remove", (params) => (params.deviceId === "phone" ? ok({ removed: true }) : refuse("INVALID_REQUEST", "unknown device")));
      link.connection = await connectTo(gw);

      expect(await pairedDevices(link, "ours")).toEqual([
        { deviceId: "ours", displayName: "Autopilot", platform: "linux", clientId: null, role: "operator", scopes: [], approvedAt: null, self: true },
        { deviceId: "phone", displayName: "Olga's phone", platform: null, clientId: null, role: null, scopes: [], approvedAt: 5, self: false },
      ]);
      await unpairDevice(link, "phone");
      expect(gw.requests("device.pair.remove").map((f) => f.params)).toEqual([{ deviceId: "phone" }]);
      await expect(unpairDevice(link, "ghost")).rejects.toThrow(/unknown device/);
      // The room refuses to file an unpair of its own device: it would cut itself off.
      putDeviceDoc(sql, "inst", { deviceId: "ours" });
      expect(() => refuseOwnDevice(sql, "inst", "ours")).toThrow(/Autopilot's own link/);
      expect(() => refuseOwnDevice(sql, "inst", "phone")).not.toThrow();
    });
  });

  it("asks the gateway for a node-only setup code naming the entry, and refuses an answer it cannot read", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql);
      const { link } = testLink(sql);
      const gw = fakeGateway();
      const answers = [
        ok({ setupId: "s1", setupCode: "eyJ1cmwiOiJ3c3M6Ly9hIn0", expiresAtMs: 1_800_000_000_000, access: "node" }),
        ok({ setupCode: "not a code<script>", expiresAtMs: 1 }),
        ok({ expiresAtMs: 1 }),
        refuse("INVALID_REQUEST", "missing scope: operator.admin"),
      ];
      gw.on("device.pair.setupCode", () => answers.shift());
      link.connection = await connectTo(gw);
      const url = "wss://app.example/devices/ws1/inst";
      expect(await deviceSetupCode(link, url)).toEqual({ setupCode: "eyJ1cmwiOiJ3c3M6Ly9hIn0", expiresAtMs: 1_800_000_000_000 });
      expect(gw.requests("device.pair.setupCode")[0]?.params).toEqual({ publicUrl: url, bootstrapProfile: "node" });
      await expect(deviceSetupCode(link, url)).rejects.toThrow(/not readable/);
      await expect(deviceSetupCode(link, url)).rejects.toThrow(/not readable/);
      await expect(deviceSetupCode(link, url)).rejects.toThrow(/operator.admin/);
    });
  });
});
