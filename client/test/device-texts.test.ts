import { describe, expect, it } from "vitest";
import { nodeFacts, nodeName, qrImage, setupErrorText, someCommands, timeLeft } from "../app/panels/devices/texts";
import { AutopilotError } from "../src/errors";

// What the inspector's devices part says about a setup code and a paired node: every value
// comes from the room (and so from a remote gateway) and is treated as hostile.

describe("a setup code in the Add a device dialog", () => {
  it("draws only a PNG given as bytes: never a URL the browser would fetch, nor markup", () => {
    expect(qrImage("data:image/png;base64,iVBORw0KGgo=")).toBe("data:image/png;base64,iVBORw0KGgo=");
    expect(qrImage(null)).toBeNull();
    expect(qrImage("https://evil.example/track.png")).toBeNull();
    expect(qrImage("data:image/svg+xml;base64,PHN2Zz4=")).toBeNull();
    expect(qrImage('data:image/png;base64,AAAA" onerror="alert(1)')).toBeNull();
    expect(qrImage("data:image/png;base64,")).toBeNull();
  });

  it("counts down in m:ss from its expiry, and says nothing left once it passed", () => {
    expect(timeLeft(600_000, 0)).toBe("10:00");
    expect(timeLeft(61_000, 0)).toBe("1:01");
    expect(timeLeft(1_500, 1_000)).toBe("0:01");
    expect(timeLeft(1_000, 1_000)).toBeNull();
    expect(timeLeft(0, 5_000)).toBeNull();
  });

  it("says the room's reason as a sentence and what to do about it", () => {
    expect(
      setupErrorText(
        new AutopilotError("unavailable", "devices cannot reach this deployment: set DEVICE_ENTRY_ORIGIN (wss://host)"),
      ),
    ).toBe(
      "Devices cannot reach this deployment: set DEVICE_ENTRY_ORIGIN (wss://host). Whoever runs this deployment sets DEVICE_ENTRY_ORIGIN; until then no device can pair through it.",
    );
    expect(
      setupErrorText(new AutopilotError("unavailable", "the instance's gateway is not connected right now")),
    ).toMatch(/^The instance's gateway is not connected right now\. Wait until its gateway shows connected/);
    expect(
      setupErrorText(
        new AutopilotError("unavailable", "the gateway of lab is asleep: the next message to it wakes it"),
      ),
    ).toMatch(/^The gateway of lab is asleep: the next message to it wakes it\. Send it a message to wake it/);
    expect(setupErrorText(new AutopilotError("unavailable", "instance lab is not ready"))).toMatch(
      /^Instance lab is not ready\. Wait until the instance is ready/,
    );
    expect(
      setupErrorText(
        new AutopilotError("forbidden", "a person adds devices: ask a workspace admin to open Add a device"),
      ),
    ).toMatch(/not an agent's key\.$/);
    expect(setupErrorText(new Error("socket closed"))).toBe("Socket closed. Try again with New code.");
  });
});

describe("a paired node in the Nodes list", () => {
  it("is named by its display name, else by the start of its id", () => {
    expect(nodeName({ displayName: "Olga's build box", nodeId: "abcdef0123456789" })).toBe("Olga's build box");
    expect(nodeName({ displayName: "   ", nodeId: "abcdef0123456789" })).toBe("abcdef012345");
    expect(nodeName({ displayName: null, nodeId: "abcdef0123456789" })).toBe("abcdef012345");
    expect(nodeName({ displayName: "x".repeat(500), nodeId: "n" })).toHaveLength(200);
  });

  it("says platform and version, and when an offline one was last seen", () => {
    const since = (at: number) => `at ${at}`;
    expect(nodeFacts({ platform: "linux", version: "2026.9.6", connected: true, lastSeenAt: 5 }, since)).toBe(
      "linux · v2026.9.6",
    );
    expect(nodeFacts({ platform: null, version: "v1.2", connected: false, lastSeenAt: 5 }, since)).toBe(
      "v1.2 · last seen at 5",
    );
    expect(nodeFacts({ platform: null, version: null, connected: false, lastSeenAt: null }, since)).toBe("");
  });

  it("shows its first commands, once each, and how many more", () => {
    expect(someCommands(["a", "b", "a", "c"], 2)).toEqual({ shown: ["a", "b"], more: 1, total: 3 });
    expect(someCommands([], 6)).toEqual({ shown: [], more: 0, total: 0 });
    expect(someCommands(["a", "b"], Number.POSITIVE_INFINITY)).toEqual({ shown: ["a", "b"], more: 0, total: 2 });
  });
});
