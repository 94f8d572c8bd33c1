// The gateway's paired devices through the bridge, against a scripted gateway: the list
// (the Autopilot's own device marked, unreadable rows left out) and an unpair.
import { describe, expect, it } from "vitest";
import {
  deviceSetupCode,
  invokeNode,
  NODE_OUTPUT_CHARS,
  pairedDevices,
  pairedNodes,
  unpairDevice,
} from "./device-requests";
import { putDeviceDoc, refuseOwnDevice } from "../instance-store/gateway";
import {
  connectTo,
  fakeGateway,
  inRoom,
  linkAndGateway,
  ok,
  refuse,
  seedInstance,
  testLink,
} from "../../../../test/bridge-peer";

/** A paired node as the gateway lists it and as the room reads it back (but for when it was last seen). */
const BUILD_BOX = {
  nodeId: "n1",
  displayName: "build box",
  platform: "linux",
  version: "2026.9.6",
  caps: ["system"],
  commands: ["system.run", "system.which"],
  connected: true,
};

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
          paired: [
            { deviceId: "ours", displayName: "Autopilot", platform: "linux", role: "operator" },
            { deviceId: "phone", label: "Olga's phone", approvedAtMs: 5 },
            { nonsense: true },
          ],
        }),
      );
      gw.on("device.pair.remove", (params) =>
        params.deviceId === "phone" ? ok({ removed: true }) : refuse("INVALID_REQUEST", "unknown device"),
      );
      link.connection = await connectTo(gw);

      expect(await pairedDevices(link, "ours")).toEqual([
        {
          deviceId: "ours",
          displayName: "Autopilot",
          platform: "linux",
          clientId: null,
          role: "operator",
          scopes: [],
          approvedAt: null,
          self: true,
        },
        {
          deviceId: "phone",
          displayName: "Olga's phone",
          platform: null,
          clientId: null,
          role: null,
          scopes: [],
          approvedAt: 5,
          self: false,
        },
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

  it("asks the gateway for a limited setup code with its QR naming the entry, and refuses an answer it cannot read", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      const answers = [
        ok({
          setupId: "s1",
          setupCode: "eyJ1cmwiOiJ3c3M6Ly9hIn0",
          expiresAtMs: 1_800_000_000_000,
          access: "limited",
          qrDataUrl: "data:image/png;base64,iVBORw0KGgo=",
        }),
        // A QR that is not a PNG data URL is dropped, the code kept.
        ok({ setupCode: "eyJ1cmwiOiJ3c3M6Ly9hIn0", expiresAtMs: 2, qrDataUrl: "javascript:alert(1)" }),
        ok({ setupCode: "not a code<script>", expiresAtMs: 1 }),
        ok({ expiresAtMs: 1 }),
        refuse("INVALID_REQUEST", "missing scope: operator.admin"),
      ];
      gw.on("device.pair.setupCode", () => answers.shift());
      link.connection = await connectTo(gw);
      const url = "wss://app.example/devices/ws1/inst";
      expect(await deviceSetupCode(link, url)).toEqual({
        setupCode: "eyJ1cmwiOiJ3c3M6Ly9hIn0",
        expiresAtMs: 1_800_000_000_000,
        qr: "data:image/png;base64,iVBORw0KGgo=",
      });
      expect(gw.requests("device.pair.setupCode")[0]?.params).toEqual({
        publicUrl: url,
        bootstrapProfile: "limited",
        includeQr: true,
      });
      expect(await deviceSetupCode(link, url)).toEqual({
        setupCode: "eyJ1cmwiOiJ3c3M6Ly9hIn0",
        expiresAtMs: 2,
        qr: null,
      });
      await expect(deviceSetupCode(link, url)).rejects.toThrow(/not readable/);
      await expect(deviceSetupCode(link, url)).rejects.toThrow(/not readable/);
      await expect(deviceSetupCode(link, url)).rejects.toThrow(/operator.admin/);
    });
  });

  it("lists nodes with their surface, leaves out unreadable rows, and passes a command's answer back bounded", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql);
      const { link } = testLink(sql);
      await expect(pairedNodes(link)).rejects.toThrow(/not connected right now/);
      const gw = fakeGateway();
      gw.on("node.list", () =>
        ok({
          ts: 1,
          nodes: [
            { ...BUILD_BOX, lastSeenAtMs: 7 },
            { nodeId: "n2", caps: "not a list", connected: "yes" },
            { displayName: "no id" },
          ],
        }),
      );
      gw.on("node.invoke", (params) =>
        params.command === "system.which"
          ? ok({
              ok: true,
              nodeId: params.nodeId,
              command: params.command,
              payload: { bins: { sh: "/usr/bin/sh" } },
              payloadJSON: "x".repeat(NODE_OUTPUT_CHARS + 50),
            })
          : refuse("INVALID_REQUEST", `node command not allowed: "${params.command}"`),
      );
      link.connection = await connectTo(gw);
      expect(await pairedNodes(link)).toEqual([
        { ...BUILD_BOX, lastSeenAt: 7 },
        {
          nodeId: "n2",
          displayName: null,
          platform: null,
          version: null,
          caps: [],
          commands: [],
          connected: false,
          lastSeenAt: null,
        },
      ]);
      const call = {
        nodeId: "n1",
        command: "system.which",
        params: { bins: ["sh"] },
        timeoutMs: 5_000,
        idempotencyKey: "k1",
      };
      const answer = await invokeNode(link, call);
      expect(answer).toEqual({ ok: true, output: "x".repeat(NODE_OUTPUT_CHARS) });
      expect(gw.requests("node.invoke")[0]?.params).toEqual(call);
      await expect(invokeNode(link, { ...call, command: "system.run" })).rejects.toThrow(/not allowed/);
    });
  });
});
